import { App, Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { ThanosStack, TimePartition, prerequisiteSecrets } from '../../src';
import { validateManifestsDetailed } from '../harness';
import { find, Manifest } from '../support/util';

describe('store gateway at scale: 2 time partitions x 2 shards x 2 replicas', () => {
  const app = Testing.app();
  const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  new ThanosStack(chart, 'Thanos', {
    store: { shards: 2, replicas: 2, timePartitions: [TimePartition.of({ maxTime: '-2w' }), TimePartition.of({ minTime: '-3w' })] },
  });
  const objects = Testing.synth(chart) as Manifest[];
  const names = ['thanos-store-t0-0', 'thanos-store-t0-1', 'thanos-store-t1-0', 'thanos-store-t1-1'];

  test('passes every harness check', () => {
    expect(validateManifestsDetailed(objects, { externalSecrets: prerequisiteSecrets(app as App) }).problems).toEqual([]);
  });

  test('one StatefulSet per partition and shard, each with its replicas and a PDB', () => {
    for (const n of names) {
      expect(find(objects, 'StatefulSet', n).spec.replicas).toBe(2);
      expect(find(objects, 'PodDisruptionBudget', n).spec.maxUnavailable).toBe(1);
    }
  });

  test('the querier sees every replica through one headless Service over all of them', () => {
    const svc = find(objects, 'Service', 'thanos-store');
    expect(svc.spec.clusterIP).toBe('None');
    for (const n of names) expect(find(objects, 'StatefulSet', n).spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    const endpoints = parse(find(objects, 'ConfigMap', 'thanos-query-endpoints').data['endpoints.yaml']).endpoints.map((e: any) => e.address);
    expect(endpoints.filter((a: string) => a.includes('thanos-store'))).toEqual(['dnssrv+_grpc._tcp.thanos-store.monitoring.svc']);
  });
});
