import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';

// The CLI's own cost: `cdk8s synth` of a one-Deployment app.
const app = new App();
const chart = new Chart(app, 'trivial');
new k8s.KubeDeployment(chart, 'Deployment', {
  metadata: { name: 'hello' },
  spec: {
    selector: { matchLabels: { app: 'hello' } },
    template: { metadata: { labels: { app: 'hello' } }, spec: { containers: [{ name: 'hello', image: 'nginx:1.27' }] } },
  },
});
app.synth();
