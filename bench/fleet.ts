import { App, Chart } from 'cdk8s';
import { ThanosStack } from '../src';

/** One stack with `clusters` Prometheus instances (one per cluster), all behind one querier. */
export function buildFleet(clusters: number, outdir?: string): App {
  const app = new App({ outdir });
  const chart = new Chart(app, 'fleet', { namespace: 'monitoring' });
  const stack = new ThanosStack(chart, 'Thanos', { prometheus: { name: 'prometheus-c000', externalLabels: { cluster: 'c000' } } });
  for (let i = 1; i < clusters; i++) {
    const id = `c${String(i).padStart(3, '0')}`;
    stack.addPrometheus(id, { name: `prometheus-${id}`, externalLabels: { cluster: id } });
  }
  return app;
}
