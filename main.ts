import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ThanosStack, synthesizeOrExit } from './src';

/** The default stack: every component on, in the `monitoring` namespace. */
export class MonitoringChart extends Chart {
  public readonly stack: ThanosStack;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'monitoring' });
    this.stack = new ThanosStack(this, 'Thanos');
  }
}

/** The app `cdk8s synth` runs; tests build it without writing anything. */
export function buildApp(outdir?: string): App {
  const app = new App({ outdir });
  new MonitoringChart(app, 'monitoring');
  return app;
}

if (require.main === module) {
  synthesizeOrExit(buildApp);
}
