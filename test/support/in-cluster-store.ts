import { Chart, Size } from 'cdk8s';
import { Cpu, Secret } from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { Resources } from '../../src/config/resources';
import { expectValid } from '../harness';
import { containerOf, find, problems, STORE_OPTIONS, synth } from './util';

/** The harness's view of the credentials Secret every in-cluster store test uses. */
export const STORE_HARNESS = { externalSecrets: [{ name: 'thanos-objstore', keys: ['access_key', 'secret_key', 'user', 'password'] }] };

/** An in-cluster store as its test file builds it, with the credentials Secret `thanos-objstore`. */
export interface StoreUnderTest {
  /** `MinIO`, `SeaweedFS`: the describe blocks' prefix. */
  readonly label: string;
  /** Its default name: the StatefulSet and its server container. */
  readonly name: string;
  /** Its S3 port on the Service. */
  readonly s3Port: number;
  /** The longest name its objects allow. */
  readonly maxName: number;
  readonly build: (chart: Chart, props?: object) => void;
}

/** Builds `Store` in `chart` with the test Secret and `props`. */
export function storeBuilder<P, S>(Store: new (scope: Chart, id: string, props: P) => S, id: string): (chart: Chart, props?: Partial<P>) => S {
  return (chart, props = {}) => new Store(chart, id, { credentials: Secret.fromSecretName(chart, 'S', 'thanos-objstore'), ...props } as P);
}

/** What MinIO and SeaweedFS share (InClusterStoreOptions): the options they take alike, and how they refuse bad ones. */
export function describeStoreContract(store: StoreUnderTest): void {
  describe(`${store.label} shared options`, () => {
    const objects = synth((c) => store.build(c, STORE_OPTIONS));

    test('passes the manifest validation harness', () => {
      expectValid(objects, STORE_HARNESS);
    });

    test('no NetworkPolicies when disabled', () => {
      expect(objects.filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
    });

    test('objectStorage follows name and bucket', () => {
      const cfg = parse(find(objects, 'ConfigMap', 'thanos-objstore').data['objstore.yml']);
      expect(cfg.config).toMatchObject({ bucket: 'metrics-eu1', endpoint: `objects.monitoring.svc:${store.s3Port}` });
    });

    test('explicit resources', () => {
      const o = synth((c) => store.build(c, { resources: Resources.of({ cpu: Cpu.units(2), memory: Size.gibibytes(4) }) }));
      expect(containerOf(find(o, 'StatefulSet', store.name), store.name).resources.limits.memory).toBe('4096Mi');
    });
  });

  describe(`${store.label} validation`, () => {
    const cases: Array<[string, (c: Chart) => void, RegExp]> = [
      ['an invalid name', (c) => store.build(c, { name: 'Object_Store' }), /name "Object_Store" is not a valid name/],
      [
        'a name too long for its objects',
        (c) => store.build(c, { name: 'o'.repeat(store.maxName + 1) }),
        new RegExp(`is not a valid name: use at most ${store.maxName}`),
      ],
      ['an invalid bucket', (c) => store.build(c, { bucket: 'Thanos_Blocks' }), /bucket "Thanos_Blocks" is not a valid S3 bucket name/],
      ['an invalid Secret key', (c) => store.build(c, { accessKeyKey: 'access key' }), /accessKeyKey "access key" is not a valid Secret key/],
    ];

    test.each(cases)('rejects %s', (_, build, message) => {
      expect(() => synth(build)).toThrow(message);
    });

    test('reports every problem at once', () => {
      expect(problems((c) => store.build(c, { name: 'Bad', bucket: 'x', secretKeyKey: 'a b' }))).toHaveLength(3);
    });
  });
}
