/**
 * Two installs, one bucket (#14.4, #14.5): with an external bucket the stack needs identities the user chose
 * and an explicit compactor decision, and the in-app checks see every cluster on the bucket.
 */
import { App, Chart, Testing } from 'cdk8s';
import { Secret } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { S3Credentials, S3ObjectStorage, ThanosStack, ThanosStackProps, prerequisiteSecrets } from '../../src';
import { expectValid } from '../harness';
import { containerOf, find, flags, Manifest } from '../support/util';

/** The bucket every cluster of the app shares (one definition per chart, as each cluster applies its own). */
const bucket = (scope: Construct) =>
  new S3ObjectStorage(scope, 'Bucket', {
    bucket: 'acme-thanos',
    endpoint: 's3.eu-west-1.amazonaws.com',
    region: 'eu-west-1',
    credentials: S3Credentials.fromSecret(Secret.fromSecretName(scope, 'S3Keys', 'thanos-s3')),
  });

/** The README's multi-cluster topology: two leaves that only collect and upload, one observer that compacts. */
const LEAF: ThanosStackProps = {
  query: { enabled: false },
  compactor: { enabled: false },
  store: { enabled: false },
  bucketWeb: { enabled: false },
  alertmanager: { enabled: false },
};

function cluster(app: App, name: string, props: ThanosStackProps): Chart {
  const chart = new Chart(app, name, { namespace: 'monitoring' });
  new ThanosStack(chart, 'Thanos', { objectStorage: bucket(chart), ...props });
  return chart;
}

/** Problems of every chart of the app, each line once. */
function appProblems(app: App): string[] {
  const found = new Set<string>();
  for (const chart of app.charts) {
    try {
      Testing.synth(chart);
    } catch (e) {
      for (const l of (e as Error).message.split('\n').slice(1)) if (l.trim()) found.add(l.trim());
    }
  }
  return [...found];
}

describe('default identities on an external bucket', () => {
  test('an install without external labels is refused: the default would be the same in every install', () => {
    // Before: both synthesized, each Prometheus `cluster: prometheus` and each ruler `ruler: thanos-rule`.
    const app = Testing.app();
    cluster(app, 'eu1', { compactor: { enabled: true } });
    cluster(app, 'us1', { compactor: { enabled: false } });
    const found = appProblems(app);
    for (const c of ['eu1', 'us1']) {
      expect(found).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^\\[${c}/Thanos\\] prometheus has no externalLabels, but objectStorage is a bucket other installs may share.*set externalLabels that name this cluster`,
          ),
        ),
      );
    }
  });

  test('addPrometheus on an external bucket needs its labels too', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'eu1', { namespace: 'monitoring' });
    const stack = new ThanosStack(chart, 'Thanos', {
      objectStorage: bucket(chart),
      prometheus: { externalLabels: { cluster: 'eu1' } },
      compactor: { enabled: true },
    });
    stack.addPrometheus('Tenant', {});
    expect(appProblems(app)).toEqual([expect.stringMatching(/^\[eu1\/Thanos\] addPrometheus\("Tenant"\) has no externalLabels/)]);
  });

  test("the ruler's default set derives from the Prometheus labels the user chose, so two installs differ", () => {
    const app = Testing.app();
    const eu1 = cluster(app, 'eu1', { prometheus: { externalLabels: { cluster: 'eu1' } }, compactor: { enabled: true } });
    const us1 = cluster(app, 'us1', { prometheus: { externalLabels: { cluster: 'us1' } }, compactor: { enabled: false } });
    expect(appProblems(app)).toEqual([]);
    const labelsOf = (chart: Chart) =>
      flags(containerOf(find(Testing.synth(chart) as Manifest[], 'StatefulSet', 'thanos-rule'), 'thanos-rule').args, '--label');
    expect(labelsOf(eu1)).toEqual(['cluster="eu1"', 'ruler="thanos-rule"', 'rule_replica="$(POD_NAME)"']);
    expect(labelsOf(us1)).toEqual(['cluster="us1"', 'ruler="thanos-rule"', 'rule_replica="$(POD_NAME)"']);
  });

  test('a ruler label set the user gives wins over the derived one', () => {
    const app = Testing.app();
    const chart = cluster(app, 'eu1', {
      prometheus: { externalLabels: { cluster: 'eu1' } },
      compactor: { enabled: true },
      ruler: { externalLabels: { ruler: 'eu1-global' } },
    });
    const args = containerOf(find(Testing.synth(chart) as Manifest[], 'StatefulSet', 'thanos-rule'), 'thanos-rule').args;
    expect(flags(args, '--label')).toEqual(['ruler="eu1-global"', 'rule_replica="$(POD_NAME)"']);
  });

  test('rulers with the same labels on different buckets are not rejected; on one bucket they are', () => {
    // Before: two clusters with their own MinIO were refused, both rulers being `ruler: thanos-rule`.
    const own = Testing.app();
    for (const c of ['eu1', 'us1'])
      new ThanosStack(new Chart(own, c, { namespace: 'monitoring' }), 'Thanos', { prometheus: { externalLabels: { cluster: c } } });
    expect(appProblems(own)).toEqual([]);

    const shared = Testing.app();
    cluster(shared, 'eu1', {
      prometheus: { externalLabels: { cluster: 'eu1' } },
      compactor: { enabled: true },
      ruler: { externalLabels: { ruler: 'global' } },
    });
    cluster(shared, 'us1', {
      prometheus: { externalLabels: { cluster: 'us1' } },
      compactor: { enabled: false },
      ruler: { externalLabels: { ruler: 'global' } },
    });
    expect(appProblems(shared)).toContainEqual(
      expect.stringMatching(
        /^\[us1\/Thanos\/Ruler\] external labels \{"ruler":"global"\} are the same as those of eu1\/Thanos\/Ruler, on the same bucket s3:\/\/s3.eu-west-1.amazonaws.com\/acme-thanos\/: the ruler needs a set of its own/,
      ),
    );
  });
});

describe('who compacts a shared bucket', () => {
  test('with an external bucket the compactor is an explicit choice', () => {
    // Before: every leaf got a compactor by default, N compactors on one bucket.
    const app = Testing.app();
    cluster(app, 'leaf', { prometheus: { externalLabels: { cluster: 'leaf' } }, query: { enabled: false } });
    expect(appProblems(app)).toEqual([
      expect.stringMatching(
        /^\[leaf\/Thanos\] compactor.enabled is not set, but objectStorage s3:\/\/s3.eu-west-1.amazonaws.com\/acme-thanos\/ may be shared.*set compactor: \{ enabled: true \} in the one cluster that compacts this bucket and \{ enabled: false \} in every other/,
      ),
    ]);
  });

  test("MinIO is the app's own bucket: the compactor stays on by default", () => {
    const app = Testing.app();
    new ThanosStack(new Chart(app, 'eu1', { namespace: 'monitoring' }), 'Thanos', {});
    expect(appProblems(app)).toEqual([]);
  });

  describe('two leaves and one observer on one bucket (the README topology)', () => {
    const build = (secondCompactor: boolean) => {
      const app = Testing.app();
      cluster(app, 'leaf-eu1', { ...LEAF, prometheus: { externalLabels: { cluster: 'eu1' } } });
      cluster(app, 'leaf-us1', { ...LEAF, prometheus: { externalLabels: { cluster: 'us1' } }, compactor: { enabled: secondCompactor } });
      cluster(app, 'observer', { prometheus: { externalLabels: { cluster: 'observer' } }, compactor: { enabled: true } });
      return app;
    };

    test('exactly one compactor, and every cluster passes the harness', () => {
      const app = build(false);
      const compactors = app.charts.flatMap((c) =>
        (Testing.synth(c) as Manifest[]).filter((o) => o.kind === 'StatefulSet' && o.metadata.name === 'thanos-compact').map(() => c.node.id),
      );
      expect(compactors).toEqual(['observer']);
      for (const chart of app.charts) expectValid(Testing.synth(chart), { externalSecrets: prerequisiteSecrets(app) });
    });

    test('a second compactor on the bucket is refused where the app can see it', () => {
      expect(appProblems(build(true))).toContainEqual(
        expect.stringMatching(
          /bucket s3:\/\/s3.eu-west-1.amazonaws.com\/acme-thanos\/ is also compacted by (observer|leaf-us1)\/Thanos\/Compactor: two compactors on one bucket corrupt it/,
        ),
      );
    });
  });
});
