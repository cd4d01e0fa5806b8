// An app with several mistakes at once, for the all-or-nothing synthesis test.
import { App, Chart, Duration } from 'cdk8s';
import { Prometheus, synthesizeOrExit } from '../../src';

synthesizeOrExit((outdir) => {
  const app = new App({ outdir });
  const chart = new Chart(app, 'bad', { namespace: 'monitoring' });
  new Prometheus(chart, 'Eu1', { name: 'prometheus-eu1', externalLabels: { cluster: 'eu1' }, scrapeInterval: Duration.seconds(0) });
  new Prometheus(chart, 'Us1', { name: 'Prometheus_US1', externalLabels: { cluster: 'eu1' } });
  return app;
});
