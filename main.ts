import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Prometheus } from './src';

/** The default stack, as `cdk8s synth` writes it to dist/. */
export class MonitoringChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'monitoring' });
    new Prometheus(this, 'Prometheus');
  }
}

export function buildApp(outdir?: string): App {
  const app = new App({ outdir });
  new MonitoringChart(app, 'monitoring');
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
