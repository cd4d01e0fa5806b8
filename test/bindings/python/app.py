"""The default stack of main.ts, from Python: scripts/bindings.sh compares its output with dist/ byte for byte."""
import sys

from cdk8s import App, Chart
from cdk8s_thanos import Synth, ThanosStack

app = App(outdir=sys.argv[1] if len(sys.argv) > 1 else "dist")
chart = Chart(app, "monitoring", namespace="monitoring")
ThanosStack(chart, "Thanos")

problems = Synth.try_synthesize(app)
if problems:
    sys.exit(problems)  # prints them to stderr, exit status 1
