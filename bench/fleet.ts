import { App, Chart } from 'cdk8s';
import { SizePreset, ThanosStack } from '../src';

/**
 * One stack with `clusters` Prometheus instances (one per cluster), all behind one querier. `scaled`
 * adds what large installations turn on: memcached caches, Receive (every Prometheus remote-writes
 * to it instead of running a sidecar) and a store gateway of 2 shards x 2 replicas.
 */
export function buildFleet(clusters: number, outdir?: string, scaled = false): App {
  const app = new App({ outdir });
  const chart = new Chart(app, 'fleet', { namespace: 'monitoring' });
  const stack = new ThanosStack(chart, 'Thanos', {
    prometheus: { name: 'prometheus-c000', externalLabels: { cluster: 'c000' } },
    ...(scaled ? { caches: SizePreset.MEDIUM, receive: {}, store: { shards: 2, replicas: 2 } } : {}),
  });
  for (let i = 1; i < clusters; i++) {
    const id = `c${String(i).padStart(3, '0')}`;
    stack.addPrometheus(id, { name: `prometheus-${id}`, externalLabels: { cluster: id } });
  }
  return app;
}
