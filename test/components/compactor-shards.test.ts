import { App, Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { CompactorShard, ThanosStack, ThanosStackProps, prerequisiteSecrets } from '../../src';
import { validateManifestsDetailed } from '../harness';
import { containerOf, find, flag, Manifest } from '../support/util';

function build(props: ThanosStackProps, us1 = true): { app: App; chart: Chart; stack: ThanosStack } {
  const app = Testing.app();
  const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  const stack = new ThanosStack(chart, 'Thanos', {
    prometheus: { externalLabels: { cluster: 'eu1' } },
    ruler: { externalLabels: { cluster: 'global' } },
    ...props,
  });
  if (us1) stack.addPrometheus('Us1', { externalLabels: { cluster: 'us1' } });
  return { app, chart, stack };
}

function problemsOf(props: ThanosStackProps, us1 = true): string[] {
  try {
    Testing.synth(build(props, us1).chart);
    return [];
  } catch (e) {
    return (e as Error).message
      .split('\n')
      .slice(1)
      .map((l) => l.trim());
  }
}

describe('two compactor shards on one bucket', () => {
  const { app, chart, stack } = build({
    compactor: { shards: [CompactorShard.byLabel('cluster', ['eu1']), CompactorShard.byLabel('cluster', ['us1', 'global'])] },
  });
  const objects = Testing.synth(chart) as Manifest[];

  test('synthesize and pass every harness check', () => {
    expect(stack.compactors.map((c) => c.name)).toEqual(['thanos-compact-0', 'thanos-compact-1']);
    expect(validateManifestsDetailed(objects, { externalSecrets: prerequisiteSecrets(app) }).problems).toEqual([]);
  });

  test('each keeps only its own blocks by external label', () => {
    const selector = (n: string) => parse(flag(containerOf(find(objects, 'StatefulSet', n), 'thanos-compact').args, '--selector.relabel-config') as string);
    expect(selector('thanos-compact-0')).toEqual([{ action: 'keep', source_labels: ['cluster'], regex: 'eu1' }]);
    expect(selector('thanos-compact-1')).toEqual([{ action: 'keep', source_labels: ['cluster'], regex: 'us1|global' }]);
  });

  test('one compactor stays the default, with no selector', () => {
    const single = Testing.synth(build({}, false).chart) as Manifest[];
    expect(flag(containerOf(find(single, 'StatefulSet', 'thanos-compact'), 'thanos-compact').args, '--selector.relabel-config')).toBeUndefined();
  });
});

describe('compactor shards rejected', () => {
  test('overlapping shards, with the fix', () => {
    expect(
      problemsOf({ compactor: { shards: [CompactorShard.byLabel('cluster', ['eu1', 'us1']), CompactorShard.byLabel('cluster', ['us1', 'global'])] } }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/overlaps .*Thanos\/Compactor1's shard cluster in \["us1","global"\] on \["us1"\]: .*give each value to one shard only/),
      ]),
    );
  });

  test('a source no shard owns (a gap), with the fix', () => {
    expect(problemsOf({ compactor: { shards: [CompactorShard.byLabel('cluster', ['eu1']), CompactorShard.byLabel('cluster', ['global'])] } })).toEqual([
      expect.stringContaining('monitoring/Thanos/Us1 uploads blocks with cluster="us1", which no compactor shard owns: add "us1" to a shard\'s values'),
    ]);
  });

  test('shards on different labels', () => {
    expect(
      problemsOf({ compactor: { shards: [CompactorShard.byLabel('cluster', ['eu1', 'us1', 'global']), CompactorShard.byLabel('region', ['eu'])] } }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringContaining('split on different labels, so a block can be in both: shard every compactor of the bucket on the same label'),
      ]),
    );
  });
});
