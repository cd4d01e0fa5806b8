// The default stack of main.ts, from Go: scripts/bindings.sh compares its output with dist/ byte for byte.
package main

import (
	"fmt"
	"os"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
	"github.com/cdk8s-thanos/cdk8s-thanos-go/cdk8sthanos"
)

func main() {
	outdir := "dist"
	if len(os.Args) > 1 {
		outdir = os.Args[1]
	}
	app := cdk8s.NewApp(&cdk8s.AppProps{Outdir: jsii.String(outdir)})
	chart := cdk8s.NewChart(app, jsii.String("monitoring"), &cdk8s.ChartProps{Namespace: jsii.String("monitoring")})
	cdk8sthanos.NewThanosStack(chart, jsii.String("Thanos"), nil)

	if problems := cdk8sthanos.Synth_TrySynthesize(app, nil); problems != nil {
		fmt.Fprint(os.Stderr, *problems)
		os.Exit(1)
	}
}
