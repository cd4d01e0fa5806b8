import { App, Chart, Testing } from 'cdk8s';
import { Secret } from 'cdk8s-plus-27';
import { parse } from 'yaml';
import {
  AzureObjectStorage,
  GcsObjectStorage,
  IObjectStorage,
  ObjectStorage,
  S3Credentials,
  S3ObjectStorage,
  ThanosStack,
  createSecretCommand,
  prerequisiteSecrets,
  PrerequisiteSecrets,
} from '../../src';
import { expectValid } from '../harness';
import { Manifest } from '../support/util';

/** Every workload that reads the bucket in a full stack. */
const BUCKET_USERS = ['prometheus', 'thanos-bucketweb', 'thanos-compact', 'thanos-rule', 'thanos-store'];

/** A full stack on the bucket `bucket` builds, validated by the whole harness. */
function stackOn(bucket: (chart: Chart) => IObjectStorage, externalServices: string[] = []): { app: App; objects: Manifest[] } {
  const app = Testing.app();
  const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  new ThanosStack(chart, 'Thanos', { objectStorage: bucket(chart), prometheus: { externalLabels: { cluster: 'eu1' } }, compactor: { enabled: true } });
  const objects = Testing.synth(chart) as Manifest[];
  expectValid(objects, { externalSecrets: prerequisiteSecrets(app), externalServices });
  return { app, objects };
}

const workloads = (objects: Manifest[]) => objects.filter((o) => ['StatefulSet', 'Deployment'].includes(o.kind));
const bucketUsers = (objects: Manifest[]) => workloads(objects).filter((w) => JSON.stringify(w).includes('--objstore.config-file='));
const mainContainer = (w: Manifest) => w.spec.template.spec.containers.find((c: any) => c.args?.some((a: string) => a.startsWith('--objstore')));
const serviceAccount = (objects: Manifest[], name: string) => objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === name)!;
/** The link-local (metadata) egress rules of a component's NetworkPolicy, as `cidr:port`. */
function metadataEgress(objects: Manifest[], name: string): string[] {
  const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === name)!;
  return policy.spec.egress
    .flatMap((r: any) =>
      (r.to ?? []).filter((t: any) => t.ipBlock?.cidr.startsWith('169.254.')).flatMap((t: any) => r.ports.map((p: any) => `${t.ipBlock.cidr}:${p.port}`)),
    )
    .sort();
}
const objstore = (objects: Manifest[]) => parse(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'thanos-objstore')!.data['objstore.yml']);

describe('S3 through workload identity (EKS IRSA)', () => {
  const { app, objects } = stackOn(
    (c) =>
      new S3ObjectStorage(c, 'Bucket', {
        bucket: 'acme-thanos',
        endpoint: 's3.eu-west-1.amazonaws.com',
        region: 'eu-west-1',
        credentials: S3Credentials.workloadIdentity('arn:aws:iam::123456789012:role/thanos'),
      }),
  );

  test('no keys anywhere: the config has none and no Secret is a prerequisite', () => {
    expect(objstore(objects).config).toEqual({
      bucket: 'acme-thanos',
      endpoint: 's3.eu-west-1.amazonaws.com',
      region: 'eu-west-1',
      insecure: false,
      bucket_lookup_type: 'auto',
    });
    expect(prerequisiteSecrets(app).map((s) => s.name)).toEqual(['grafana-admin']);
  });

  test('every bucket user runs under a ServiceAccount annotated with the role', () => {
    expect(
      bucketUsers(objects)
        .map((w) => w.metadata.name)
        .sort(),
    ).toEqual(BUCKET_USERS);
    for (const w of bucketUsers(objects)) {
      expect(serviceAccount(objects, w.spec.template.spec.serviceAccountName).metadata.annotations).toEqual({
        'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/thanos',
      });
    }
  });

  test('egress to the store and STS on 443, from every bucket user, and no metadata endpoint (IRSA needs none)', () => {
    for (const w of bucketUsers(objects)) {
      const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === w.metadata.name)!;
      expect(policy.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443, protocol: 'TCP' }] });
      expect(metadataEgress(objects, w.metadata.name)).toEqual([]);
    }
  });
});

describe('GCS', () => {
  test('with a service-account key: the Secret is mounted and named by GOOGLE_APPLICATION_CREDENTIALS', () => {
    const { app, objects } = stackOn(
      (c) =>
        new GcsObjectStorage(c, 'Bucket', {
          bucket: 'acme-thanos',
          serviceAccountKeySecret: Secret.fromSecretName(c, 'Key', 'gcs-thanos'),
        }),
    );
    expect(objstore(objects)).toEqual({ type: 'GCS', config: { bucket: 'acme-thanos' } });
    for (const w of bucketUsers(objects)) {
      const c = mainContainer(w);
      expect(c.env).toContainEqual({ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: '/etc/thanos/gcs/service-account.json' });
      expect(c.volumeMounts).toContainEqual({ name: 'gcs-key', mountPath: '/etc/thanos/gcs', readOnly: true });
      expect(w.spec.template.spec.volumes).toContainEqual({ name: 'gcs-key', secret: { secretName: 'gcs-thanos' } });
    }
    expect(prerequisiteSecrets(app)).toContainEqual({ name: 'gcs-thanos', keys: ['service-account.json'], purpose: expect.any(String) });
  });

  test('with GKE workload identity: no key, the ServiceAccounts carry the GCP account', () => {
    const { objects } = stackOn(
      (c) => new GcsObjectStorage(c, 'Bucket', { bucket: 'acme-thanos', workloadIdentityServiceAccount: 'thanos@acme.iam.gserviceaccount.com' }),
    );
    for (const w of bucketUsers(objects)) {
      expect(mainContainer(w).env ?? []).not.toContainEqual(expect.objectContaining({ name: 'GOOGLE_APPLICATION_CREDENTIALS' }));
      expect(serviceAccount(objects, w.spec.template.spec.serviceAccountName).metadata.annotations).toEqual({
        'iam.gke.io/gcp-service-account': 'thanos@acme.iam.gserviceaccount.com',
      });
    }
  });
});

describe('Azure', () => {
  test('with an account key: a placeholder in the config, the value from the Secret', () => {
    const { objects } = stackOn(
      (c) =>
        new AzureObjectStorage(c, 'Bucket', {
          storageAccount: 'acmethanos',
          container: 'thanos',
          accountKeySecret: Secret.fromSecretName(c, 'Key', 'azure-thanos'),
        }),
    );
    expect(objstore(objects)).toEqual({
      type: 'AZURE',
      config: { storage_account: 'acmethanos', container: 'thanos', storage_account_key: '$(OBJSTORE_ACCOUNT_KEY)' },
    });
    for (const w of bucketUsers(objects)) {
      expect(mainContainer(w).env).toContainEqual({
        name: 'OBJSTORE_ACCOUNT_KEY',
        valueFrom: { secretKeyRef: { name: 'azure-thanos', key: 'storage_account_key' } },
      });
    }
  });

  test('with workload identity: the managed identity in the config and on the ServiceAccounts', () => {
    const { objects } = stackOn(
      (c) =>
        new AzureObjectStorage(c, 'Bucket', {
          storageAccount: 'acmethanos',
          container: 'thanos',
          workloadIdentityClientId: '00000000-0000-0000-0000-000000000001',
        }),
    );
    expect(objstore(objects).config.user_assigned_id).toBe('00000000-0000-0000-0000-000000000001');
    for (const w of bucketUsers(objects)) {
      expect(serviceAccount(objects, w.spec.template.spec.serviceAccountName).metadata.annotations).toEqual({
        'azure.workload.identity/client-id': '00000000-0000-0000-0000-000000000001',
      });
    }
  });
});

describe('a whole objstore config kept in a Secret you own', () => {
  const { app, objects } = stackOn((c) =>
    ObjectStorage.fromSecret(c, 'Bucket', { secret: Secret.fromSecretName(c, 'Config', 'thanos-objstore-config'), endpoint: 'minio.storage.svc:31777' }),
  );

  test('the store named by its endpoint is admitted on its own port, by namespace selector', () => {
    for (const w of bucketUsers(objects)) {
      const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === w.metadata.name)!;
      expect(policy.spec.egress).toContainEqual({
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'storage' } } }],
        ports: [{ port: 31777, protocol: 'TCP' }],
      });
      expect(policy.spec.egress.filter((r: any) => r.ports?.length === 1 && r.ports[0].port === 443)).toEqual([]);
    }
  });

  test('every bucket user mounts the one key of the Secret and reads it as its config file', () => {
    expect(objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name === 'thanos-objstore')).toBe(false);
    for (const w of bucketUsers(objects)) {
      expect(mainContainer(w).args).toContain('--objstore.config-file=/etc/thanos/objstore/objstore.yml');
      expect(w.spec.template.spec.volumes).toContainEqual({
        name: 'objstore',
        secret: { secretName: 'thanos-objstore-config', items: [{ key: 'objstore.yml', path: 'objstore.yml' }] },
      });
    }
  });

  test('the Secret is the prerequisite, with the command that creates it from a local file', () => {
    const secret = prerequisiteSecrets(app).find((s) => s.name === 'thanos-objstore-config')!;
    expect(secret.keys).toEqual(['objstore.yml']);
    expect(createSecretCommand(secret, 'monitoring')).toBe(
      'kubectl create secret generic thanos-objstore-config -n monitoring --from-file=objstore.yml=./objstore.yml',
    );
  });

  test('PrerequisiteSecrets, the static home other languages call, answers the same', () => {
    expect(PrerequisiteSecrets.of(app)).toEqual(prerequisiteSecrets(app));
    const secret = prerequisiteSecrets(app).find((s) => s.name === 'thanos-objstore-config')!;
    expect(PrerequisiteSecrets.createCommand(secret, 'monitoring')).toBe(createSecretCommand(secret, 'monitoring'));
  });
});

describe('cloud identity from the environment: every bucket reader reaches the metadata endpoints its SDK uses', () => {
  const GCP = ['169.254.169.252/32:988', '169.254.169.254/32:80'];
  const AWS = ['169.254.169.254/32:80', '169.254.170.23/32:80'];
  const AZURE = ['169.254.169.254/32:80'];
  const modes: Array<[string, (c: Chart) => IObjectStorage, string[]]> = [
    [
      'GCS, GKE workload identity',
      (c) => new GcsObjectStorage(c, 'Bucket', { bucket: 'acme-thanos', workloadIdentityServiceAccount: 'thanos@acme.iam.gserviceaccount.com' }),
      GCP,
    ],
    ['GCS, node service account', (c) => new GcsObjectStorage(c, 'Bucket', { bucket: 'acme-thanos' }), GCP],
    [
      'S3, instance profile / EKS Pod Identity',
      (c) => new S3ObjectStorage(c, 'Bucket', { bucket: 'acme-thanos', endpoint: 's3.eu-west-1.amazonaws.com', credentials: S3Credentials.workloadIdentity() }),
      AWS,
    ],
    [
      'Azure, user-assigned managed identity',
      (c) =>
        new AzureObjectStorage(c, 'Bucket', {
          storageAccount: 'acmethanos',
          container: 'thanos',
          workloadIdentityClientId: '00000000-0000-0000-0000-000000000001',
        }),
      AZURE,
    ],
    ['Azure, default credential chain', (c) => new AzureObjectStorage(c, 'Bucket', { storageAccount: 'acmethanos', container: 'thanos' }), AZURE],
    [
      'a Secret-held config without keys',
      (c) =>
        ObjectStorage.fromSecret(c, 'Bucket', {
          secret: Secret.fromSecretName(c, 'Config', 'thanos-objstore-config'),
          endpoint: 'storage.googleapis.com:443',
          metadataEndpoints: ['gcp'],
        }),
      GCP,
    ],
  ];

  test.each(modes)('%s', (_, bucket, expected) => {
    const { objects } = stackOn(bucket);
    expect(
      bucketUsers(objects)
        .map((w) => w.metadata.name)
        .sort(),
    ).toEqual(BUCKET_USERS);
    for (const w of bucketUsers(objects))
      expect({ w: w.metadata.name, egress: metadataEgress(objects, w.metadata.name) }).toEqual({ w: w.metadata.name, egress: expected });
    // Components that do not read the bucket get none.
    for (const name of ['thanos-query', 'grafana', 'alertmanager']) expect(metadataEgress(objects, name)).toEqual([]);
  });

  test('with keys, no metadata endpoint is admitted', () => {
    const { objects } = stackOn(
      (c) => new GcsObjectStorage(c, 'Bucket', { bucket: 'acme-thanos', serviceAccountKeySecret: Secret.fromSecretName(c, 'Key', 'gcs-thanos') }),
    );
    for (const w of bucketUsers(objects)) expect(metadataEgress(objects, w.metadata.name)).toEqual([]);
  });
});

describe('the store as a NetworkPolicy peer, derived from its address', () => {
  const storeEgress = (endpoint: string) => {
    const { objects } = stackOn(
      (c) =>
        new S3ObjectStorage(c, 'Bucket', {
          bucket: 'thanos',
          endpoint,
          credentials: S3Credentials.fromSecret(Secret.fromSecretName(c, 'S', 'thanos-objstore')),
        }),
      ['rgw.ceph'],
    );
    const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'thanos-store')!;
    return policy.spec.egress.slice(1);
  };

  test('a cluster DNS name selects its namespace, never ipBlock', () => {
    expect(storeEgress('rgw.ceph.svc.cluster.local:7480')).toEqual([
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ceph' } } }], ports: [{ port: 7480, protocol: 'TCP' }] },
    ]);
  });

  test('an IP is that one address (/32, /128)', () => {
    expect(storeEgress('10.1.2.3:9000')).toEqual([{ to: [{ ipBlock: { cidr: '10.1.2.3/32' } }], ports: [{ port: 9000, protocol: 'TCP' }] }]);
    expect(storeEgress('[fd00::10]:9000')).toEqual([{ to: [{ ipBlock: { cidr: 'fd00::10/128' } }], ports: [{ port: 9000, protocol: 'TCP' }] }]);
  });

  test('a name that may be in the cluster but names no namespace, or a Secret config without an address, is refused with the fix', () => {
    const short = problemsOf(
      (c) => new S3ObjectStorage(c, 'Bucket', { bucket: 'thanos', endpoint: 'minio:9000', credentials: S3Credentials.workloadIdentity() }),
    );
    expect(short).toEqual([
      expect.stringMatching(
        /endpoint "minio:9000" may be inside the cluster but names no namespace: write the full "<service>.<namespace>.svc:<port>" name, or give networkPeer/,
      ),
    ]);
    const secret = problemsOf((c) => ObjectStorage.fromSecret(c, 'Bucket', { secret: Secret.fromSecretName(c, 'Config', 'cfg') }));
    expect(secret).toEqual([expect.stringMatching(/the store of Secret cfg is unknown, so no NetworkPolicy can admit it: give endpoint/)]);
  });
});

function problemsOf(bucket: (chart: Chart) => IObjectStorage): string[] {
  const chart = new Chart(Testing.app(), 'monitoring', { namespace: 'monitoring' });
  new ThanosStack(chart, 'Thanos', { objectStorage: bucket(chart), prometheus: { externalLabels: { cluster: 'eu1' } }, compactor: { enabled: true } });
  try {
    Testing.synth(chart);
    return [];
  } catch (e) {
    return (e as Error).message
      .split('\n')
      .slice(1)
      .map((l) => l.trim())
      .filter((l) => !l.includes('Prometheus 2') && l !== '');
  }
}
