module cdk8s-thanos/test/bindings/go

go 1.26.0

require (
	github.com/aws/jsii-runtime-go v1.141.0
	github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2 v2.70.106
	github.com/cdk8s-thanos/cdk8s-thanos-go/cdk8sthanos v0.1.0
)

require (
	github.com/Masterminds/semver/v3 v3.5.0 // indirect
	github.com/aws/constructs-go/constructs/v10 v10.4.2 // indirect
	github.com/cdk8s-team/cdk8s-plus-go/cdk8splus27/v2 v2.9.5 // indirect
	github.com/fatih/color v1.19.0 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/yuin/goldmark v1.7.16 // indirect
	golang.org/x/lint v0.0.0-20241112194109-818c5a804067 // indirect
	golang.org/x/mod v0.41.0 // indirect
	golang.org/x/sync v0.23.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/telemetry v0.0.0-20260908163034-4bcc4b2ee518 // indirect
	golang.org/x/tools v0.50.0 // indirect
	golang.org/x/tools/cmd/godoc v0.1.0-deprecated // indirect
	golang.org/x/tools/godoc v0.1.0-deprecated // indirect
)

// scripts/bindings.sh generates these with jsii-pacmak: the Go module proxy serves no
// cdk8s-team module (403), so cdk8s and cdk8s-plus-27 are generated from their npm packages,
// the same assemblies their published Go modules are generated from.
replace (
	github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2 => ../../../.bindings/pacmak/go/cdk8s
	github.com/cdk8s-team/cdk8s-plus-go/cdk8splus27/v2 => ../../../.bindings/pacmak/go/cdk8splus27
	github.com/cdk8s-thanos/cdk8s-thanos-go/cdk8sthanos => ../../../.bindings/pacmak/go/cdk8sthanos
)

// jsii-pacmak 1.140.0 writes jsii-runtime-go v1.140.0, which the module proxy does not serve.
replace github.com/aws/jsii-runtime-go => github.com/aws/jsii-runtime-go v1.141.0
