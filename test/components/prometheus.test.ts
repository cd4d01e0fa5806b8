import { Duration, Size } from 'cdk8s';
import { Cpu, Secret, ServiceType } from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { AlertmanagerEndpoint, LocalCompaction, Prometheus, Resources, Rule, RuleGroup, S3Credentials, S3ObjectStorage, ScrapeJob } from '../../src';
import { containerOf, find, flag, flags, Manifest, problems, synth, ownEnv } from '../support/util';

function withBucket(chart: any): S3ObjectStorage {
  return new S3ObjectStorage(chart, 'Bucket', {
    bucket: 'thanos',
    endpoint: 'minio.monitoring.svc:9000',
    insecure: true,
    credentials: S3Credentials.fromSecret(Secret.fromSecretName(chart, 'Creds', 'thanos-objstore')),
  });
}

function promConfig(objects: Manifest[], name = 'prometheus'): any {
  return parse(find(objects, 'ConfigMap', `${name}-config`).data['prometheus.yml']);
}

describe('Prometheus defaults', () => {
  const objects = synth((c) => new Prometheus(c, 'Prometheus', { objectStorage: withBucket(c) }));
  const sts = find(objects, 'StatefulSet', 'prometheus');
  const prom = containerOf(sts, 'prometheus');
  const sidecar = containerOf(sts, 'thanos-sidecar');

  test('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('two replicas, governed by the headless sidecar Service, with a PDB', () => {
    expect(sts.spec.replicas).toBe(2);
    expect(sts.spec.serviceName).toBe('prometheus-thanos-sidecar');
    expect(find(objects, 'Service', 'prometheus-thanos-sidecar').spec.clusterIP).toBe('None');
    expect(find(objects, 'PodDisruptionBudget', 'prometheus').spec.maxUnavailable).toBe(1);
    expect(sts.spec.template.spec.topologySpreadConstraints).toHaveLength(2);
  });

  test('sidecar and Prometheus mount the same TSDB volume at the same path', () => {
    const tsdbOf = (c: any) => c.volumeMounts.find((m: any) => m.name === 'tsdb').mountPath;
    expect(tsdbOf(prom)).toBe('/prometheus');
    expect(tsdbOf(sidecar)).toBe('/prometheus');
    expect(flag(prom.args, '--storage.tsdb.path')).toBe('/prometheus');
    expect(flag(sidecar.args, '--tsdb.path')).toBe('/prometheus');
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe('tsdb');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi');
  });

  test('local compaction is disabled: min = max block duration = 2h', () => {
    expect(flag(prom.args, '--storage.tsdb.min-block-duration')).toBe('2h');
    expect(flag(prom.args, '--storage.tsdb.max-block-duration')).toBe('2h');
    expect(flag(prom.args, '--storage.tsdb.retention.time')).toBe('1d');
    expect(flag(prom.args, '--web.enable-lifecycle')).toBe(true);
    expect(flag(prom.args, '--web.enable-admin-api')).toBeUndefined();
  });

  test('the sidecar ships to the bucket with credentials only from the Secret', () => {
    expect(sidecar.args[0]).toBe('sidecar');
    expect(flag(sidecar.args, '--objstore.config-file')).toBe('/etc/thanos/objstore/objstore.yml');
    expect(flag(sidecar.args, '--prometheus.url')).toBe('http://localhost:9090');
    expect(ownEnv(sidecar)).toEqual([
      { name: 'OBJSTORE_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'thanos-objstore', key: 'access_key' } } },
      { name: 'OBJSTORE_SECRET_KEY', valueFrom: { secretKeyRef: { name: 'thanos-objstore', key: 'secret_key' } } },
    ]);
    const objstore = parse(find(objects, 'ConfigMap', 'thanos-objstore').data['objstore.yml']);
    expect(objstore.config.access_key).toBe('$(OBJSTORE_ACCESS_KEY)');
    expect(objstore.config.secret_key).toBe('$(OBJSTORE_SECRET_KEY)');
  });

  test('the sidecar reloads Prometheus when its ConfigMaps change', () => {
    expect(flag(sidecar.args, '--reloader.config-file')).toBe('/etc/prometheus/config/prometheus.yml');
    expect(flag(sidecar.args, '--reloader.rule-dir')).toBe('/etc/prometheus/rules');
    expect(sidecar.volumeMounts.map((m: any) => m.name)).toEqual(expect.arrayContaining(['config', 'rules']));
  });

  test('external labels: cluster plus a per-pod replica label from the pod name', () => {
    const cfg = promConfig(objects);
    expect(cfg.global.external_labels).toEqual({ cluster: 'prometheus', replica: '${POD_NAME}' });
    expect(prom.env).toContainEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
  });

  test('scrapes itself and its sidecar, and annotated pods and services', () => {
    const jobs = promConfig(objects).scrape_configs.map((j: any) => j.job_name);
    expect(jobs).toEqual(['prometheus', 'prometheus-thanos-sidecar', 'kubernetes-pods', 'kubernetes-service-endpoints']);
    expect(jobs.some((j: string) => j.includes('thanos-sidecar'))).toBe(true);
  });

  test('discovers Services through EndpointSlices, not the v1 Endpoints deprecated in Kubernetes 1.33', () => {
    const jobs = promConfig(objects).scrape_configs;
    const roles = jobs.flatMap((j: any) => (j.kubernetes_sd_configs ?? []).map((sd: any) => sd.role));
    expect(roles).toEqual(['endpointslice', 'endpointslice', 'pod', 'endpointslice']);
    expect(jobs[0].relabel_configs[0]).toEqual({
      source_labels: ['__meta_kubernetes_service_name', '__meta_kubernetes_endpointslice_port_name'],
      regex: 'prometheus;web',
      action: 'keep',
    });
    const rules = find(objects, 'ClusterRole', 'monitoring-prometheus').rules;
    expect(rules).toContainEqual({ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] });
    expect(rules.flatMap((r: any) => r.resources ?? [])).not.toContain('endpoints');
  });

  test('headless Service has a port named grpc for dnssrv discovery', () => {
    const svc = find(objects, 'Service', 'prometheus-thanos-sidecar');
    expect(svc.spec.ports.map((p: any) => [p.name, p.port])).toEqual([
      ['grpc', 10901],
      ['http', 10902],
    ]);
  });

  test('RBAC for Kubernetes discovery is cluster-scoped, read-only and has no namespace', () => {
    const role = find(objects, 'ClusterRole', 'monitoring-prometheus');
    const binding = find(objects, 'ClusterRoleBinding', 'monitoring-prometheus');
    expect(role.metadata.namespace).toBeUndefined();
    expect(binding.metadata.namespace).toBeUndefined();
    const verbs = new Set(role.rules.flatMap((r: any) => r.verbs));
    // Prometheus' informers list and watch; nothing gets single objects.
    expect([...verbs].sort()).toEqual(['list', 'watch']);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'prometheus', namespace: 'monitoring' }]);
  });

  test('the API token is mounted into the Prometheus container only, not into the sidecar that holds the bucket keys', () => {
    const pod = sts.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    const tokenDir = '/var/run/secrets/kubernetes.io/serviceaccount';
    expect(containerOf(sts, 'prometheus').volumeMounts).toContainEqual({ name: 'kube-api-access', mountPath: tokenDir, readOnly: true });
    expect(containerOf(sts, 'thanos-sidecar').volumeMounts.map((m: any) => m.mountPath)).not.toContain(tokenDir);
    const volume = pod.volumes.find((v: any) => v.name === 'kube-api-access');
    expect(volume.projected.sources.map((s: any) => Object.keys(s)[0])).toEqual(['serviceAccountToken', 'configMap', 'downwardAPI']);
  });

  test('runs as nobody with a read-only root filesystem and probes on both containers', () => {
    expect(sts.spec.template.spec.securityContext).toMatchObject({
      runAsUser: 65534,
      fsGroup: 65534,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    for (const c of [prom, sidecar]) {
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(c.livenessProbe.httpGet.path).toBe('/-/healthy');
      expect(c.readinessProbe.httpGet.path).toBe('/-/ready');
      expect(c.resources.requests.memory).toBeDefined();
      expect(c.resources.limits.memory).toBeDefined();
    }
    expect(prom.startupProbe).toBeDefined();
  });
});

describe('Prometheus options', () => {
  test('without object storage: no uploads, compaction left on, 15d retention', () => {
    const objects = synth((c) => new Prometheus(c, 'P'));
    const sts = find(objects, 'StatefulSet', 'prometheus');
    const prom = containerOf(sts, 'prometheus');
    expect(flag(prom.args, '--storage.tsdb.min-block-duration')).toBeUndefined();
    expect(flag(prom.args, '--storage.tsdb.retention.time')).toBe('15d');
    expect(flag(containerOf(sts, 'thanos-sidecar').args, '--objstore.config-file')).toBeUndefined();
  });

  test('delayed compaction uses the shipper file instead of equal block durations', () => {
    const objects = synth((c) => new Prometheus(c, 'P', { objectStorage: withBucket(c), localCompaction: LocalCompaction.DELAYED }));
    const prom = containerOf(find(objects, 'StatefulSet', 'prometheus'), 'prometheus');
    expect(flag(prom.args, '--storage.tsdb.delay-compact-file.path')).toBe('/prometheus/thanos.shipper.json');
    expect(flag(prom.args, '--storage.tsdb.min-block-duration')).toBeUndefined();
  });

  test('typed scrape jobs, rule groups and options render into the config', () => {
    const objects = synth((c) => {
      const p = new Prometheus(c, 'P', {
        name: 'prometheus-eu1',
        replicas: 1,
        externalLabels: { cluster: 'eu1', region: 'eu' },
        retention: Duration.days(2),
        retentionSize: Size.gibibytes(15),
        enableAdminApi: true,
        uploadCompacted: true,
        objectStorage: withBucket(c),
        scrapeInterval: Duration.seconds(15),
        serviceType: ServiceType.LOAD_BALANCER,
        sourceRanges: ['10.0.0.0/8'],
        annotationDiscovery: false,
      });
      p.addScrapeJob(ScrapeJob.staticTargets('node', ['10.0.0.1:9100']));
      p.addAlertmanager(AlertmanagerEndpoint.url('https://alertmanager.example.com'));
      p.addRuleGroup(
        new RuleGroup({
          name: 'availability',
          rules: [
            Rule.alert({
              alert: 'PrometheusDown',
              expr: 'absent(up{job="prometheus-eu1"} == 1)',
              pendingFor: Duration.minutes(5),
              labels: { severity: 'critical' },
            }),
          ],
        }),
      );
    });
    const sts = find(objects, 'StatefulSet', 'prometheus-eu1');
    expect(sts.spec.replicas).toBe(1);
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget')).toHaveLength(0);
    const prom = containerOf(sts, 'prometheus');
    expect(flags(prom.args, '--storage.tsdb.retention.size')).toEqual(['15360MB']);
    expect(flag(prom.args, '--web.enable-admin-api')).toBe(true);
    expect(flag(containerOf(sts, 'thanos-sidecar').args, '--shipper.upload-compacted')).toBe(true);
    const cfg = promConfig(objects, 'prometheus-eu1');
    expect(cfg.global).toMatchObject({ scrape_interval: '15s', external_labels: { cluster: 'eu1', region: 'eu', replica: '${POD_NAME}' } });
    expect(cfg.scrape_configs.map((j: any) => j.job_name)).toEqual(['prometheus-eu1', 'prometheus-eu1-thanos-sidecar', 'node']);
    const rules = parse(find(objects, 'ConfigMap', 'prometheus-eu1-rules').data['availability.rules.yaml']);
    expect(rules.groups[0].rules[0]).toEqual({
      alert: 'PrometheusDown',
      expr: 'absent(up{job="prometheus-eu1"} == 1)',
      for: '5m',
      labels: { severity: 'critical' },
    });
    expect(find(objects, 'Service', 'prometheus-eu1').spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
    expect(find(objects, 'Service', 'prometheus-eu1-thanos-sidecar').spec.externalTrafficPolicy).toBeUndefined();
    const policy = find(objects, 'NetworkPolicy', 'prometheus-eu1');
    expect(policy.spec.ingress).toContainEqual({ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 9090, protocol: 'TCP' }] });
  });

  test('a ClusterIP sidecar Service admits no outside traffic; a LoadBalancer one admits it on gRPC', () => {
    const ingressPorts = (type: ServiceType) =>
      find(
        synth((c) => new Prometheus(c, 'P', { sidecarServiceType: type, sourceRanges: ['198.51.100.0/24'], acknowledgePlaintextExposure: true })),
        'NetworkPolicy',
        'prometheus',
      )
        .spec.ingress.filter((r: any) => r.from.some((f: any) => f.ipBlock))
        .flatMap((r: any) => r.ports.map((p: any) => p.port));
    expect(ingressPorts(ServiceType.CLUSTER_IP)).toEqual([]);
    expect(ingressPorts(ServiceType.LOAD_BALANCER)).toEqual([10901]);
  });

  test("exposing the sidecar's plaintext StoreAPI is refused unless TLS or an acknowledgement is given", () => {
    expect(problems((c) => new Prometheus(c, 'P', { sidecarServiceType: ServiceType.LOAD_BALANCER, sourceRanges: ['198.51.100.0/24'] }))).toEqual([
      expect.stringContaining(
        "the sidecar's plaintext StoreAPI (gRPC) would be reachable from outside the cluster through a LoadBalancer Service: give grpcServerTls, or set acknowledgePlaintextExposure: true",
      ),
    ]);
  });

  test('the sidecar has its own image and resources; a CPU limit is rendered only when asked', () => {
    const objects = synth(
      (c) =>
        new Prometheus(c, 'P', {
          thanosImage: 'registry.example.com/thanos:v0.42.4',
          resources: Resources.of({ cpu: Cpu.millis(500), memory: Size.gibibytes(2), cpuLimit: Cpu.units(2) }),
          sidecarResources: Resources.of({ cpu: Cpu.millis(20), memory: Size.mebibytes(64), memoryLimit: Size.mebibytes(96) }),
        }),
    );
    const sts = find(objects, 'StatefulSet', 'prometheus');
    expect(containerOf(sts, 'prometheus').resources).toEqual({ requests: { cpu: '500m', memory: '2048Mi' }, limits: { cpu: '2', memory: '2048Mi' } });
    const sidecar = containerOf(sts, 'thanos-sidecar');
    expect(sidecar.image).toBe('registry.example.com/thanos:v0.42.4');
    expect(sidecar.resources).toEqual({ requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '96Mi' } });
  });

  test('two instances with distinct labels synthesize side by side', () => {
    const objects = synth((c) => {
      new Prometheus(c, 'Eu1', { name: 'prometheus-eu1', externalLabels: { cluster: 'eu1' } });
      new Prometheus(c, 'Us1', { name: 'prometheus-us1', externalLabels: { cluster: 'us1' } });
    });
    expect(objects.filter((o) => o.kind === 'StatefulSet').map((o) => o.metadata.name)).toEqual(['prometheus-eu1', 'prometheus-us1']);
  });
});

describe('Prometheus rejects', () => {
  const cases: Array<[string, (c: any) => void, RegExp]> = [
    ['empty external labels', (c) => new Prometheus(c, 'P', { externalLabels: {} }), /externalLabels is empty/],
    [
      'an invalid external label name',
      (c) => new Prometheus(c, 'P', { externalLabels: { 'my-cluster': 'a' } }),
      /external label "my-cluster" is not a valid Prometheus label name/,
    ],
    ['an empty external label value', (c) => new Prometheus(c, 'P', { externalLabels: { cluster: '' } }), /external label "cluster" has an empty value/],
    ['a reserved replica label', (c) => new Prometheus(c, 'P', { replicaLabel: '__replica' }), /replicaLabel "__replica" is not a valid Prometheus label name/],
    [
      'the replica label among the external labels',
      (c) => new Prometheus(c, 'P', { externalLabels: { cluster: 'a', replica: 'x' } }),
      /replicaLabel "replica" is also in externalLabels/,
    ],
    [
      'retention under 3 x block duration',
      (c) => new Prometheus(c, 'P', { retention: Duration.hours(5), objectStorage: withBucket(c) }),
      /retention 5h is shorter than 3 x blockDuration \(6h\)/,
    ],
    [
      'delayed compaction without a bucket',
      (c) => new Prometheus(c, 'P', { localCompaction: LocalCompaction.DELAYED }),
      /localCompaction DELAYED needs objectStorage/,
    ],
    ['upload-compacted without a bucket', (c) => new Prometheus(c, 'P', { uploadCompacted: true }), /uploadCompacted needs objectStorage/],
    ['an invalid name', (c) => new Prometheus(c, 'P', { name: 'Prometheus_EU' }), /name "Prometheus_EU" is not a valid name/],
    ['zero replicas', (c) => new Prometheus(c, 'P', { replicas: 0 }), /replicas 0 is not valid: use a whole number in 1-100/],
    ['an ExternalName service', (c) => new Prometheus(c, 'P', { serviceType: ServiceType.EXTERNAL_NAME }), /serviceType ExternalName cannot expose pods/],
    [
      'two instances with the same external labels',
      (c) => {
        new Prometheus(c, 'A', { name: 'prometheus-a', externalLabels: { cluster: 'eu1' } });
        new Prometheus(c, 'B', { name: 'prometheus-b', externalLabels: { cluster: 'eu1' } });
      },
      /are the same as those of test\/A/,
    ],
  ];

  test.each(cases)('%s', (_, build, message) => {
    const found = problems(build);
    expect(found.join('\n')).toMatch(message);
    // Every problem names the construct path.
    for (const p of found) expect(p).toMatch(/^\[test\//);
  });

  test('reports every problem at once', () => {
    const found = problems(
      (c) => new Prometheus(c, 'P', { name: 'Bad_Name', externalLabels: {}, retention: Duration.hours(1), replicas: 0, objectStorage: withBucket(c) }),
    );
    expect(found).toHaveLength(4);
  });
});
