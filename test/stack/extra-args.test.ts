import { Chart } from 'cdk8s';
import { ThanosStack, ThanosStackProps } from '../../src';
import { Manifest, containerOf, find, problems, synth } from '../support/util';

const stack = (props: ThanosStackProps) => (chart: Chart) => new ThanosStack(chart, 'Thanos', props);

/** Each component that runs a pinned binary: its stack prop, its workload and its main container. */
const COMPONENTS: Array<[keyof ThanosStackProps, string, string, string, string]> = [
  ['prometheus', 'StatefulSet', 'prometheus', 'prometheus', 'prometheus v3.14.0'],
  ['alertmanager', 'StatefulSet', 'alertmanager', 'alertmanager', 'alertmanager v0.34.0'],
  ['query', 'Deployment', 'thanos-query', 'thanos-query', 'thanos query v0.42.4'],
  ['queryFrontend', 'Deployment', 'thanos-query-frontend', 'thanos-query-frontend', 'thanos query-frontend v0.42.4'],
  ['store', 'StatefulSet', 'thanos-store', 'thanos-store', 'thanos store v0.42.4'],
  ['compactor', 'StatefulSet', 'thanos-compact', 'thanos-compact', 'thanos compact v0.42.4'],
  ['ruler', 'StatefulSet', 'thanos-rule', 'thanos-rule', 'thanos rule v0.42.4'],
  ['bucketWeb', 'Deployment', 'thanos-bucketweb', 'thanos-bucketweb', 'thanos tools bucket web v0.42.4'],
];

describe.each(COMPONENTS)('extraArgs of %s', (prop, kind, name, containerName, binary) => {
  test('an unknown flag fails synth, naming the flag and the pinned version', () => {
    expect(problems(stack({ [prop]: { extraArgs: ['--no-such-flag'] } }))).toEqual([
      expect.stringContaining(`extraArgs "--no-such-flag": --no-such-flag is not a flag of ${binary} (the pinned binary)`),
    ]);
  });

  test("a known flag is appended after the construct's own", () => {
    const flag = '--log.format=json';
    const objects: Manifest[] = synth(stack({ [prop]: { extraArgs: [flag] } }));
    const args: string[] = containerOf(find(objects, kind, name), containerName).args;
    expect(args[args.length - 1]).toBe(flag);
  });
});

test.each([
  ['a removed flag', 'query', '--store=foo:10901', /--store was removed before thanos query v0\.42\.4/],
  ['a boolean given a value', 'store', '--store.enable-index-header-lazy-reader=true', /is a boolean flag of thanos store v0\.42\.4, which refuses a value/],
  ['a value flag without one', 'compactor', '--compact.concurrency', /takes a value in thanos compact v0\.42\.4: write --compact.concurrency=<value>/],
  ['a flag the construct sets', 'store', '--chunk-pool-size=1GB', /--chunk-pool-size is already set by this construct/],
  ['not a flag', 'ruler', 'rule', /"rule" is not a flag/],
  ['a removed Prometheus flag', 'prometheus', '--storage.tsdb.retention=1d', /--storage.tsdb.retention was removed before prometheus v3\.14\.0/],
] as const)('extraArgs: %s fails synth', (_, prop, arg, message) => {
  expect(problems(stack({ [prop]: { extraArgs: [arg] } })).join('\n')).toMatch(message);
});

test('a negated boolean and a repeatable flag the construct already sets are accepted', () => {
  expect(problems(stack({ query: { extraArgs: ['--no-query.partial-response', '--query.replica-label=prometheus_replica'] } }))).toEqual([]);
});
