// An app whose constructs validate but whose own object the API server would refuse: the final pass catches it.
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { ThanosStack, synthesizeOrExit } from '../../src';

synthesizeOrExit((outdir) => {
  const app = new App({ outdir });
  const chart = new Chart(app, 'refused', { namespace: 'monitoring' });
  new ThanosStack(chart, 'Thanos');
  new k8s.KubeService(chart, 'Extra', {
    metadata: { name: 'extra', labels: { 'team name': 'sre' } },
    spec: { ports: [{ name: 'metrics-endpoint-http', port: 70000 }] },
  });
  return app;
});
