/**
 * Tests of the validation harness itself: a hand-written valid stack passes, and every check is proven able
 * to fail on a hand-made bad manifest (a check that cannot fail proves nothing).
 */
import {
  HarnessOptions,
  KUBERNETES_VERSIONS,
  expectValid,
  findAddresses,
  parseManifests,
  validateManifests,
  validateManifestsDetailed,
  warmUpSchemas,
} from './harness';
import { testWithTools } from './harness/tools';

const NS = 'monitoring';
const THANOS = 'quay.io/thanos/thanos:v0.42.4';

/** Test manifests are deliberately loose: negative cases write wrong types into them. */
type Obj = Record<string, any>;

const restricted = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };
const podSecurity = { runAsNonRoot: true, runAsUser: 65534, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } };
const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } };
const probes = (port: string, live = '/-/healthy', ready = '/-/ready'): Obj => ({
  livenessProbe: { httpGet: { path: live, port } },
  readinessProbe: { httpGet: { path: ready, port } },
});

function container(name: string, image: string, extra: Obj): Obj {
  return { name, image, securityContext: restricted, resources, ...extra };
}

function meta(name: string, labels?: Obj): Obj {
  return { name, namespace: NS, ...(labels ? { labels } : {}) };
}

function podTemplate(app: string, spec: Obj): Obj {
  return { metadata: { labels: { app } }, spec: { securityContext: podSecurity, automountServiceAccountToken: false, ...spec } };
}

function statefulSet(name: string, serviceName: string, spec: Obj, claims: string[] = []): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(name),
    spec: {
      serviceName,
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: podTemplate(name, spec),
      volumeClaimTemplates: claims.map((c) => ({
        metadata: { name: c },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
      })),
    },
  };
}

function service(name: string, app: string, ports: Obj[], headless = false): Obj {
  return { apiVersion: 'v1', kind: 'Service', metadata: meta(name), spec: { ...(headless ? { clusterIP: 'None' } : {}), selector: { app }, ports } };
}

function configMap(name: string, data: Obj): Obj {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(name), data };
}

const objstoreEnv = [
  { name: 'OBJSTORE_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'thanos-objstore', key: 'access_key' } } },
  { name: 'OBJSTORE_SECRET_KEY', valueFrom: { secretKeyRef: { name: 'thanos-objstore', key: 'secret_key' } } },
];
const objstoreVolume = { name: 'objstore', configMap: { name: 'thanos-objstore' } };
const objstoreMount = { name: 'objstore', mountPath: '/etc/thanos/objstore', readOnly: true };
const objstoreArg = '--objstore.config-file=/etc/thanos/objstore/objstore.yml';
const thanosPorts = [
  { name: 'grpc', containerPort: 10901 },
  { name: 'http', containerPort: 10902 },
];

const PROMETHEUS_YML = `global:
  scrape_interval: 30s
  external_labels:
    cluster: demo
    replica: \${POD_NAME}
rule_files:
  - /etc/prometheus/rules/*.rules.yaml
alerting:
  alertmanagers:
    - static_configs:
        - targets: [alertmanager.monitoring.svc:9093]
scrape_configs:
  - job_name: thanos-query
    kubernetes_sd_configs:
      - role: pod
        namespaces: { names: [monitoring] }
    relabel_configs:
      - source_labels: [__meta_kubernetes_pod_label_app]
        regex: thanos-query
        action: keep
  - job_name: prometheus
    static_configs: [{ targets: ['localhost:9090'] }]
`;

const RULES = `groups:
  - name: thanos
    rules:
      - alert: ThanosQueryDown
        expr: absent(up{job="thanos-query"} == 1)
        for: 5m
        labels: { severity: critical }
`;

const ALERTMANAGER_YML = `route:
  receiver: default
  group_by: [alertname]
receivers:
  - name: default
`;

const OBJSTORE_YML = `type: S3
config:
  bucket: thanos
  endpoint: s3.eu-west-1.amazonaws.com
  access_key: $(OBJSTORE_ACCESS_KEY)
  secret_key: $(OBJSTORE_SECRET_KEY)
`;

/** A small but complete stack, written the way the constructs should render it. Fresh objects on every call. */
function validStack(): Obj[] {
  // JSON round trip, not structuredClone (which keeps shared references): each object is independent.
  return JSON.parse(
    JSON.stringify([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('prometheus'), automountServiceAccountToken: false },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'prometheus' },
        rules: [{ apiGroups: [''], resources: ['pods', 'services', 'endpoints'], verbs: ['get', 'list', 'watch'] }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'prometheus' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'prometheus' },
        subjects: [{ kind: 'ServiceAccount', name: 'prometheus', namespace: NS }],
      },
      configMap('prometheus-config', { 'prometheus.yml': PROMETHEUS_YML }),
      configMap('prometheus-rules', { 'thanos.rules.yaml': RULES }),
      configMap('thanos-objstore', { 'objstore.yml': OBJSTORE_YML }),
      configMap('alertmanager-config', { 'alertmanager.yml': ALERTMANAGER_YML }),
      configMap('grafana-datasources', {
        'datasources.yaml':
          'apiVersion: 1\ndatasources:\n  - name: Thanos\n    type: prometheus\n    access: proxy\n    url: http://thanos-query.monitoring.svc:9090\n    isDefault: true\n',
      }),
      statefulSet(
        'prometheus',
        'prometheus-headless',
        {
          serviceAccountName: 'prometheus',
          automountServiceAccountToken: true,
          containers: [
            container('prometheus', 'quay.io/prometheus/prometheus:v3.14.0', {
              args: [
                '--config.file=/etc/prometheus/config/prometheus.yml',
                '--storage.tsdb.path=/prometheus',
                '--storage.tsdb.retention.time=15d',
                '--storage.tsdb.min-block-duration=2h',
                '--storage.tsdb.max-block-duration=2h',
                '--web.enable-lifecycle',
                '--enable-feature=exemplar-storage',
              ],
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              ports: [{ name: 'web', containerPort: 9090 }],
              volumeMounts: [
                { name: 'config', mountPath: '/etc/prometheus/config', readOnly: true },
                { name: 'rules', mountPath: '/etc/prometheus/rules', readOnly: true },
                { name: 'data', mountPath: '/prometheus' },
              ],
              ...probes('web'),
            }),
            container('thanos-sidecar', THANOS, {
              args: [
                'sidecar',
                '--tsdb.path=/prometheus',
                '--prometheus.url=http://localhost:9090',
                objstoreArg,
                '--grpc-address=0.0.0.0:10901',
                '--http-address=0.0.0.0:10902',
              ],
              env: objstoreEnv,
              ports: thanosPorts,
              volumeMounts: [{ name: 'data', mountPath: '/prometheus' }, objstoreMount],
              ...probes('http'),
            }),
          ],
          volumes: [{ name: 'config', configMap: { name: 'prometheus-config' } }, { name: 'rules', configMap: { name: 'prometheus-rules' } }, objstoreVolume],
        },
        ['data'],
      ),
      service(
        'prometheus-headless',
        'prometheus',
        [
          { name: 'web', port: 9090, targetPort: 'web' },
          { name: 'grpc', port: 10901, targetPort: 'grpc' },
        ],
        true,
      ),
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta('thanos-query'),
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'thanos-query' } },
          template: podTemplate('thanos-query', {
            containers: [
              container('thanos-query', THANOS, {
                args: [
                  'query',
                  '--endpoint=dnssrv+_grpc._tcp.prometheus-headless.monitoring.svc.cluster.local',
                  '--endpoint=dnssrv+_grpc._tcp.thanos-store.monitoring.svc',
                  '--query.replica-label=replica',
                  '--grpc-address=0.0.0.0:10901',
                  '--http-address=0.0.0.0:10902',
                ],
                ports: thanosPorts,
                ...probes('http'),
              }),
            ],
          }),
        },
      },
      service('thanos-query', 'thanos-query', [
        { name: 'http', port: 9090, targetPort: 'http' },
        { name: 'grpc', port: 10901, targetPort: 10901 },
      ]),
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: meta('thanos-query'),
        spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'thanos-query' } } },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: meta('thanos-query'),
        spec: {
          podSelector: { matchLabels: { app: 'thanos-query' } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ podSelector: { matchLabels: { app: 'grafana' } } }], ports: [{ port: 10902 }] }],
        },
      },
      statefulSet('thanos-store', 'thanos-store', {
        containers: [
          container('thanos-store', THANOS, {
            args: ['store', '--data-dir=/var/thanos/store', objstoreArg, '--grpc-address=0.0.0.0:10901', '--http-address=0.0.0.0:10902'],
            env: objstoreEnv,
            ports: thanosPorts,
            volumeMounts: [{ name: 'data', mountPath: '/var/thanos/store' }, objstoreMount],
            ...probes('http'),
          }),
        ],
        volumes: [{ name: 'data', emptyDir: {} }, objstoreVolume],
      }),
      service('thanos-store', 'thanos-store', [{ name: 'grpc', port: 10901, targetPort: 'grpc' }], true),
      statefulSet('alertmanager', 'alertmanager', {
        containers: [
          container('alertmanager', 'quay.io/prometheus/alertmanager:v0.34.0', {
            args: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager', '--data.retention=120h'],
            ports: [{ name: 'web', containerPort: 9093 }],
            volumeMounts: [
              { name: 'config', mountPath: '/etc/alertmanager' },
              { name: 'data', mountPath: '/alertmanager' },
            ],
            ...probes('web'),
          }),
        ],
        volumes: [
          { name: 'config', configMap: { name: 'alertmanager-config' } },
          { name: 'data', emptyDir: {} },
        ],
      }),
      service('alertmanager', 'alertmanager', [{ name: 'web', port: 9093, targetPort: 'web' }], true),
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta('grafana'),
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'grafana' } },
          template: podTemplate('grafana', {
            securityContext: { ...podSecurity, runAsUser: 472, fsGroup: 472 },
            containers: [
              container('grafana', 'docker.io/grafana/grafana:12.2.0', {
                env: [{ name: 'GF_SECURITY_ADMIN_PASSWORD__FILE', value: '/etc/grafana/secrets/admin-password' }],
                ports: [{ name: 'http', containerPort: 3000 }],
                volumeMounts: [
                  { name: 'datasources', mountPath: '/etc/grafana/provisioning/datasources' },
                  { name: 'admin', mountPath: '/etc/grafana/secrets', readOnly: true },
                  { name: 'storage', mountPath: '/var/lib/grafana' },
                ],
                ...probes('http', '/api/health', '/api/health'),
              }),
            ],
            volumes: [
              { name: 'datasources', configMap: { name: 'grafana-datasources' } },
              { name: 'admin', secret: { secretName: 'grafana-admin' } },
              { name: 'storage', emptyDir: {} },
            ],
          }),
        },
      },
      service('grafana', 'grafana', [{ name: 'http', port: 3000, targetPort: 'http' }]),
    ]),
  );
}

const OPTIONS: HarnessOptions = {
  externalSecrets: [
    { name: 'thanos-objstore', keys: ['access_key', 'secret_key'] },
    { name: 'grafana-admin', keys: ['admin-password'] },
  ],
};
/** The non-tool checks: negative cases of other checks need not pay for promtool. */
const FAST: HarnessOptions = { ...OPTIONS, skip: ['configs'] };

function find(objs: Obj[], kind: string, name: string): Obj {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o;
}

function containerOf(objs: Obj[], kind: string, name: string, c?: string): Obj {
  const o = find(objs, kind, name);
  const cs: Obj[] = o.spec.template.spec.containers;
  return c ? (cs.find((x) => x.name === c) as Obj) : cs[0];
}

/** Mutates a fresh valid stack and returns the problems it now has. */
function problemsAfter(mutate: (objs: Obj[]) => void, options: HarnessOptions = FAST): string[] {
  const objs = validStack();
  mutate(objs);
  return validateManifests(objs, options);
}

/**
 * Asserts the mutation produces a problem matching `expected` from the given check. The problem text must
 * also name the object, so messages stay actionable.
 */
function expectProblem(check: string, mutate: (objs: Obj[]) => void, expected: RegExp, options?: HarnessOptions): void {
  const problems = problemsAfter(mutate, options);
  const hit = problems.filter((p) => p.startsWith(`[${check}] `) && expected.test(p));
  if (hit.length === 0) throw new Error(`expected a [${check}] problem matching ${expected}, got:\n${problems.join('\n') || '(none)'}`);
}

beforeAll(() => warmUpSchemas());

describe('valid stack', () => {
  test('passes every check, tools included', () => {
    const result = validateManifestsDetailed(validStack(), OPTIONS);
    expect(result.problems).toEqual([]);
    expect(result.stats.flagsChecked).toBeGreaterThan(20);
    expect(result.stats.containersByBinary).toEqual({ thanos: 3, prometheus: 1, alertmanager: 1 });
    if (result.stats.missingTools.length === 0) {
      expect(result.stats.configs).toEqual({ prometheusConfigs: 1, ruleFiles: 1, alertmanagerConfigs: 1 });
    }
    expect(result.stats.objstoreConfigs).toBe(1);
  });

  test('expectValid does not throw, and throws one error listing all problems', () => {
    expect(() => expectValid(validStack(), FAST)).not.toThrow();
    const objs = validStack();
    find(objs, 'ConfigMap', 'thanos-objstore').data['objstore.yml'] = 'type: S4\n';
    containerOf(objs, 'Deployment', 'thanos-query').args.push('--nope');
    expect(() => expectValid(objs, FAST)).toThrow(/2 problem\(s\)[\s\S]*--nope[\s\S]*S4/);
  });

  test('parses multi-document YAML as written to dist/', () => {
    const text = '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n';
    expect(parseManifests(text)).toHaveLength(2);
  });
});

describe('schema', () => {
  test('misspelled field (strict)', () =>
    expectProblem(
      'schema',
      (o) => {
        containerOf(o, 'Deployment', 'thanos-query').imagePullPolcy = 'Always';
      },
      /Deployment monitoring\/thanos-query: spec\.template\.spec\.containers\[0\] \(container "thanos-query"\): unknown field "imagePullPolcy"/,
    ));

  test('wrong type', () =>
    expectProblem(
      'schema',
      (o) => {
        containerOf(o, 'Deployment', 'thanos-query').ports[0].containerPort = '10901';
      },
      /containerPort \(container "thanos-query"\): must be integer \(got "10901"\)/,
    ));

  test('Quantity and IntOrString accept strings and numbers', () => {
    const problems = problemsAfter((o) => {
      containerOf(o, 'Deployment', 'grafana').resources = { requests: { cpu: 0.5, memory: '128Mi' }, limits: { memory: 268435456 } };
      find(o, 'Service', 'grafana').spec.ports[0].targetPort = 3000;
    });
    expect(problems).toEqual([]);
  });

  test('every Kubernetes version asked for: a problem of some versions names them', () => {
    // Service spec.trafficDistribution exists from 1.30 (alpha, in the 1.30 OpenAPI) on.
    const mutate = (o: Obj[]) => {
      find(o, 'Service', 'grafana').spec.trafficDistribution = 'PreferClose';
    };
    const all = { ...FAST, kubernetesVersions: KUBERNETES_VERSIONS };
    expect(problemsAfter(mutate, all).filter((p) => p.startsWith('[schema]'))).toEqual([
      '[schema] Service monitoring/grafana: spec: unknown field "trafficDistribution" (value "PreferClose") (Kubernetes 1.27)',
    ]);
    expect(problemsAfter(mutate).filter((p) => p.startsWith('[schema]'))).toEqual([
      '[schema] Service monitoring/grafana: spec: unknown field "trafficDistribution" (value "PreferClose")',
    ]);
    expect(problemsAfter(mutate, { ...FAST, kubernetesVersions: ['1.36'] })).toEqual([]);
    // A problem of every version carries no version list.
    expect(
      problemsAfter((o) => {
        containerOf(o, 'Deployment', 'thanos-query').imagePullPolcy = 'Always';
      }, all).filter((p) => p.startsWith('[schema]')),
    ).toEqual([expect.stringMatching(/unknown field "imagePullPolcy" \(value "Always"\)$/)]);
    expect(() => problemsAfter(mutate, { ...FAST, kubernetesVersions: ['1.28'] })).toThrow(/no schema for 1\.28 \(known: 1\.27, 1\.30, 1\.33, 1\.36\)/);
  });

  test('unknown apiVersion/kind unless allowed', () => {
    const sm = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: meta('x'), spec: { endpoints: [] } };
    expectProblem('schema', (o) => o.push(sm), /ServiceMonitor monitoring\/x: unknown apiVersion\/kind monitoring\.coreos\.com\/v1 ServiceMonitor/);
    expectProblem('schema', (o) => o.push({ ...sm, apiVersion: 'apps/v1beta1', kind: 'Deployment' }), /unknown apiVersion\/kind apps\/v1beta1 Deployment/);
    const allowed = {
      ...FAST,
      allowedCustomKinds: { ServiceMonitor: { type: 'object', required: ['spec'], properties: { spec: { type: 'object', required: ['selector'] } } } },
    };
    expect(problemsAfter((o) => o.push({ ...sm, spec: { selector: {}, endpoints: [] } }), allowed)).toEqual([]);
    expectProblem('schema', (o) => o.push(sm), /ServiceMonitor monitoring\/x: spec: must have required property 'selector'/, allowed);
  });

  test('CRD schemas in the API server dialect: int32 formats and Go (?i) patterns', () => {
    const rule = (strategy: string, port: number) => ({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: meta('r'),
      spec: { strategy, port },
    });
    const schema = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            strategy: { type: 'string', pattern: '^(?i)(abort|warn)?$' },
            port: { type: 'integer', format: 'int32' },
          },
        },
      },
    };
    const allowed = { ...FAST, allowedCustomKinds: { PrometheusRule: schema } };
    expect(problemsAfter((o) => o.push(rule('ABORT', 9090)), allowed)).toEqual([]);
    expectProblem('schema', (o) => o.push(rule('retry', 9090)), /spec\.strategy: must match pattern/, allowed);
    expectProblem('schema', (o) => o.push(rule('warn', 2 ** 40)), /spec\.port: must match format "int32"/, allowed);
  });

  test('metadata.name missing or not a DNS subdomain', () => {
    expectProblem(
      'schema',
      (o) => {
        delete find(o, 'ConfigMap', 'thanos-objstore').metadata.name;
      },
      /ConfigMap monitoring\/<no name>: metadata\.name is missing/,
    );
    expectProblem(
      'schema',
      (o) => {
        find(o, 'ConfigMap', 'thanos-objstore').metadata.name = 'Thanos_Objstore';
      },
      /metadata\.name "Thanos_Objstore" is not a valid DNS subdomain/,
    );
  });

  test('RBAC names are path segments, not DNS names', () => {
    expect(
      problemsAfter((o) => {
        find(o, 'ClusterRole', 'prometheus').metadata.name = 'system:prometheus';
        find(o, 'ClusterRoleBinding', 'prometheus').roleRef.name = 'system:prometheus';
      }),
    ).toEqual([]);
    expectProblem(
      'schema',
      (o) => {
        find(o, 'ClusterRole', 'prometheus').metadata.name = 'a/b';
      },
      /metadata\.name "a\/b" is not a valid path segment name/,
    );
  });

  test('namespace on a cluster-scoped kind', () =>
    expectProblem(
      'schema',
      (o) => {
        find(o, 'ClusterRole', 'prometheus').metadata.namespace = NS;
      },
      /ClusterRole prometheus: cluster-scoped ClusterRole must not set metadata\.namespace \(got "monitoring"\)/,
    ));

  test('API-server name rules: port names, label values', () => {
    expectProblem(
      'schema',
      (o) => {
        containerOf(o, 'Deployment', 'thanos-query').ports[0].name = 'grpc-endpoint-api';
      },
      /container "thanos-query": port name "grpc-endpoint-api" is not a valid IANA service name/,
    );
    expectProblem(
      'schema',
      (o) => {
        find(o, 'Service', 'grafana').metadata.labels = { app: 'Grafana UI' };
      },
      /labels app="Grafana UI" is not a valid label value/,
    );
  });
});

describe('flags', () => {
  const sidecar = (o: Obj[]): Obj => containerOf(o, 'StatefulSet', 'prometheus', 'thanos-sidecar');
  const prom = (o: Obj[]): Obj => containerOf(o, 'StatefulSet', 'prometheus', 'prometheus');
  const query = (o: Obj[]): Obj => containerOf(o, 'Deployment', 'thanos-query');

  test('unknown flag, with a hint', () =>
    expectProblem(
      'flags',
      (o) => {
        query(o).args.push('--query.replica-lable=replica');
      },
      /Deployment monitoring\/thanos-query: container "thanos-query": unknown flag --query\.replica-lable=replica for thanos query \(did you mean --query\.replica-label\?\)/,
    ));

  test('flag of another subcommand', () =>
    expectProblem(
      'flags',
      (o) => {
        sidecar(o).args.push('--query.replica-label=replica');
      },
      /container "thanos-sidecar": unknown flag --query\.replica-label=replica for thanos sidecar/,
    ));

  test('hidden flags are accepted', () => {
    expect(
      problemsAfter((o) => {
        sidecar(o).args.push('--shipper.ignore-unequal-block-size');
      }),
    ).toEqual([]);
  });

  test('boolean with a value', () =>
    expectProblem(
      'flags',
      (o) => {
        prom(o).args.push('--web.enable-admin-api=true');
      },
      /container "prometheus": --web\.enable-admin-api=true: --web\.enable-admin-api is a boolean flag and takes no value/,
    ));

  test('--no- on a value flag; --no- on a boolean is fine', () => {
    expectProblem(
      'flags',
      (o) => {
        query(o).args.push('--no-query.timeout');
      },
      /--no-query\.timeout: --no- prefix is only valid for boolean flags/,
    );
    expect(
      problemsAfter((o) => {
        prom(o).args.push('--no-web.enable-admin-api');
      }),
    ).toEqual([]);
  });

  test('value flag without =value', () =>
    expectProblem(
      'flags',
      (o) => {
        query(o).args.push('--query.timeout', '2m');
      },
      /--query\.timeout: --query\.timeout takes a value: write --query\.timeout=<value>/,
    ));

  test('removed flags say what replaces them', () => {
    expectProblem(
      'flags',
      (o) => {
        query(o).args.push('--store=dnssrv+_grpc._tcp.thanos-store.monitoring.svc');
      },
      /flag --store=\S+ no longer exists in thanos query: removed in Thanos v0\.38.*use --endpoint/,
    );
    expectProblem(
      'flags',
      (o) => {
        prom(o).args.push('--storage.tsdb.retention=15d');
      },
      /flag --storage\.tsdb\.retention=15d no longer exists in prometheus: .*use --storage\.tsdb\.retention\.time/,
    );
  });

  test('non-repeatable flag given twice', () =>
    expectProblem(
      'flags',
      (o) => {
        prom(o).args.push('--storage.tsdb.path=/other');
      },
      /container "prometheus": --storage\.tsdb\.path is given 2 times but prometheus accepts it once/,
    ));

  test('unknown thanos subcommand and tools bucket web', () => {
    expectProblem(
      'flags',
      (o) => {
        query(o).args[0] = 'querier';
      },
      /unknown thanos subcommand "querier"/,
    );
    expect(
      problemsAfter((o) => {
        Object.assign(query(o), {
          args: ['tools', 'bucket', 'web', objstoreArg, '--http-address=0.0.0.0:10902'],
          env: objstoreEnv,
          volumeMounts: [objstoreMount],
        });
        find(o, 'Deployment', 'thanos-query').spec.template.spec.volumes = [objstoreVolume];
        find(o, 'Service', 'thanos-query').spec.ports = [{ name: 'http', port: 9090, targetPort: 'http' }];
        o.splice(o.indexOf(find(o, 'Deployment', 'grafana')), 1); // its datasource would point at a query API
        o.splice(o.indexOf(find(o, 'ConfigMap', 'grafana-datasources')), 1);
        o.splice(o.indexOf(find(o, 'NetworkPolicy', 'thanos-query')), 1);
      }).filter((p) => p.startsWith('[flags]')),
    ).toEqual([]);
  });

  test('feature names and agent-mode flags', () => {
    expectProblem(
      'flags',
      (o) => {
        prom(o).args.push('--enable-feature=expand-external-labels');
      },
      /--enable-feature=expand-external-labels: removed in Prometheus 3\.0/,
    );
    expectProblem(
      'flags',
      (o) => {
        prom(o).args.push('--storage.agent.path=/prometheus');
      },
      /--storage\.agent\.path=\/prometheus: Prometheus refuses agent-mode flags without --agent/,
    );
  });

  test('store without an objstore config', () =>
    expectProblem(
      'flags',
      (o) => {
        const c = containerOf(o, 'StatefulSet', 'thanos-store');
        c.args = c.args.filter((a: string) => !a.startsWith('--objstore'));
      },
      /thanos store refuses to start without one of --objstore\.config-file \/ --objstore\.config/,
    ));

  test('$(VAR) in args must be an env var of the container; $$( escapes', () => {
    expectProblem(
      'flags',
      (o) => {
        query(o).args.push('--log.level=$(LOG_LEVEL)');
      },
      /container "thanos-query": argument "--log\.level=\$\(LOG_LEVEL\)" references \$\(LOG_LEVEL\) but the container defines no env var LOG_LEVEL/,
    );
    expect(
      problemsAfter((o) => {
        query(o).args.push('--web.external-prefix=$$(LITERAL)');
      }),
    ).toEqual([]);
  });

  test('a command that replaces the entrypoint cannot be verified', () =>
    expectProblem(
      'flags',
      (o) => {
        query(o).command = ['sh', '-c'];
      },
      /command \["sh","-c"\] replaces the thanos entrypoint/,
    ));

  test('images are matched by repository, not substring', () => {
    expect(
      problemsAfter((o) => {
        query(o).image = 'quay.io/prometheus/prometheus-config-reloader:v0.80.0';
      }).filter((p) => p.startsWith('[flags]')),
    ).toEqual([]);
  });
});

describe('configs (promtool / amtool)', () => {
  /** These run the real tools (.tools/bin from scripts/tools.sh, else PATH); see test/harness/tools.ts for the skip rule. */
  const toolTest = testWithTools(['promtool', 'amtool'], 'harness config checks');

  toolTest('a kept pass never hides a change: the same config with a broken mounted rule file is run again and fails', () => {
    const before = process.env.CI;
    delete process.env.CI; // passes are kept only outside CI
    try {
      expect(problemsAfter(() => undefined, OPTIONS)).toEqual([]);
      expect(problemsAfter(() => undefined, OPTIONS)).toEqual([]); // from the kept passes
      const broken = problemsAfter((o) => {
        find(o, 'ConfigMap', 'prometheus-rules').data['thanos.rules.yaml'] = RULES.replace('== 1)', '== )');
      }, OPTIONS);
      // prometheus.yml is unchanged, but promtool check config reads the rule files it names: both fail.
      expect(broken).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/key "thanos\.rules\.yaml".*promtool check rules failed/),
          expect.stringMatching(/key "prometheus\.yml".*promtool check config failed/),
        ]),
      );
    } finally {
      if (before === undefined) delete process.env.CI;
      else process.env.CI = before;
    }
  });

  toolTest('invalid PromQL in a rule file', () =>
    expectProblem(
      'configs',
      (o) => {
        find(o, 'ConfigMap', 'prometheus-rules').data['thanos.rules.yaml'] = RULES.replace('== 1)', '== )');
      },
      /ConfigMap monitoring\/prometheus-rules: key "thanos\.rules\.yaml".*promtool check rules failed: .*parse error/,
      OPTIONS,
    ),
  );

  toolTest('invalid Prometheus config field', () =>
    expectProblem(
      'configs',
      (o) => {
        find(o, 'ConfigMap', 'prometheus-config').data['prometheus.yml'] = PROMETHEUS_YML.replace('scrape_interval', 'scrape_intervall');
      },
      /ConfigMap monitoring\/prometheus-config: key "prometheus\.yml" \(as mounted in StatefulSet monitoring\/prometheus container "prometheus"\): promtool check config failed: .*scrape_intervall/,
      OPTIONS,
    ),
  );

  toolTest('rule_files that match nothing mounted', () =>
    expectProblem(
      'configs',
      (o) => {
        find(o, 'ConfigMap', 'prometheus-config').data['prometheus.yml'] = PROMETHEUS_YML.replace('/etc/prometheus/rules/', '/etc/prometheus/rulez/');
      },
      /rule_files "\/etc\/prometheus\/rulez\/\*\.rules\.yaml" matches no file the container mounts/,
      OPTIONS,
    ),
  );

  toolTest('rule_files whose suffix matches none of the mounted files; an empty rules ConfigMap is fine', () => {
    expectProblem(
      'configs',
      (o) => {
        find(o, 'ConfigMap', 'prometheus-config').data['prometheus.yml'] = PROMETHEUS_YML.replace('*.rules.yaml', '*.rules.yml');
      },
      /rule_files "\/etc\/prometheus\/rules\/\*\.rules\.yml" matches none of the files mounted in \/etc\/prometheus\/rules \(thanos\.rules\.yaml\)/,
      OPTIONS,
    );
    expect(
      problemsAfter((o) => {
        find(o, 'ConfigMap', 'prometheus-rules').data = {};
      }, OPTIONS),
    ).toEqual([]);
  });

  toolTest('a broken rule file is found through rule_files of the mounted config', () => {
    const problems = problemsAfter((o) => {
      find(o, 'ConfigMap', 'prometheus-rules').data['thanos.rules.yaml'] = 'groups:\n  - name: x\n    rules:\n      - alert: A\n        expr: up ==\n';
    }, OPTIONS);
    expect(problems.some((p) => /prometheus\.yml.*promtool check config failed: .*\/etc\/prometheus\/rules\/thanos\.rules\.yaml/.test(p))).toBe(true);
  });

  toolTest('credential files referenced by the config must be mounted', () =>
    expectProblem(
      'configs',
      (o) => {
        find(o, 'ConfigMap', 'prometheus-config').data['prometheus.yml'] = `${PROMETHEUS_YML}  - job_name: secured
    authorization: { credentials_file: /etc/prometheus/secrets/token }
    static_configs: [{ targets: ['a:1'] }]
`;
      },
      /promtool check config failed: .*\/etc\/prometheus\/secrets\/token/,
      OPTIONS,
    ),
  );

  toolTest('kubernetes_sd_configs go to promtool unchanged; the harness adds the ServiceAccount token check', () => {
    expectProblem(
      'configs',
      (o) => {
        find(o, 'ConfigMap', 'prometheus-config').data['prometheus.yml'] = PROMETHEUS_YML.replace('role: pod', 'role: pods');
      },
      /prometheus\.yml.*promtool check config failed: .*role.*"?pods"?/,
      OPTIONS,
    );
    expectProblem(
      'configs',
      (o) => {
        find(o, 'StatefulSet', 'prometheus').spec.template.spec.automountServiceAccountToken = false;
      },
      /kubernetes_sd_configs\[0\]: in-cluster discovery needs the ServiceAccount token/,
      OPTIONS,
    );
  });

  toolTest('invalid Alertmanager config', () =>
    expectProblem(
      'configs',
      (o) => {
        find(o, 'ConfigMap', 'alertmanager-config').data['alertmanager.yml'] = ALERTMANAGER_YML.replace('receiver: default', 'receiver: nobody');
      },
      /ConfigMap monitoring\/alertmanager-config: key "alertmanager\.yml".*amtool check-config failed: .*undefined receiver "nobody"/,
      OPTIONS,
    ),
  );

  test('missing tools: warning locally, failure when required (CI)', () => {
    const missing = { ...OPTIONS, promtool: '/nonexistent/promtool', amtool: '/nonexistent/amtool' };
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(validateManifests(validStack(), { ...missing, requireTools: false })).toEqual([]);
      expect(warn).toHaveBeenCalled();
      expect(validateManifests(validStack(), { ...missing, requireTools: true })).toEqual([
        expect.stringMatching(/^\[configs\] \/nonexistent\/promtool not found/),
        expect.stringMatching(/^\[configs\] \/nonexistent\/amtool not found/),
      ]);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('objstore', () => {
  const setObjstore =
    (text: string) =>
    (o: Obj[]): void => {
      find(o, 'ConfigMap', 'thanos-objstore').data['objstore.yml'] = text;
    };

  test('unknown type, top-level and config fields', () => {
    expectProblem('objstore', setObjstore('type: S4\nconfig: {}\n'), /ConfigMap monitoring\/thanos-objstore: key "objstore\.yml": type "S4" is not one of/);
    expectProblem('objstore', setObjstore(`${OBJSTORE_YML}bucket: x\n`), /unknown top-level field "bucket"/);
    expectProblem('objstore', setObjstore(OBJSTORE_YML.replace('endpoint:', 'endpoint_url:')), /unknown S3 config field "endpoint_url"/);
  });

  test('type is case-insensitive; GCS / AZURE / FILESYSTEM field sets', () => {
    expect(problemsAfter(setObjstore('type: gcs\nconfig:\n  bucket: b\n  use_grpc: true\n'))).toEqual([]);
    expect(problemsAfter(setObjstore('type: FILESYSTEM\nconfig:\n  directory: /tmp/x\n'))).toEqual([]);
    expectProblem('objstore', setObjstore('type: AZURE\nconfig:\n  storage_account: a\n  container: c\n  bucket: b\n'), /unknown AZURE config field "bucket"/);
  });

  test('credentials must be $(VAR) placeholders', () =>
    expectProblem(
      'objstore',
      setObjstore(OBJSTORE_YML.replace('$(OBJSTORE_SECRET_KEY)', 'wJalrXUtnFEMI')),
      /key "objstore\.yml": config\.secret_key holds a literal value/,
    ));

  test('every $(VAR) must be an env var of every container that mounts the config', () =>
    expectProblem(
      'objstore',
      (o) => {
        containerOf(o, 'StatefulSet', 'thanos-store').env = [objstoreEnv[0]];
      },
      /\$\(OBJSTORE_SECRET_KEY\) is not an env var of StatefulSet monitoring\/thanos-store container "thanos-store"/,
    ));

  test('inline --objstore.config is checked too', () =>
    expectProblem(
      'objstore',
      (o) => {
        const c = containerOf(o, 'StatefulSet', 'thanos-store');
        c.args = c.args.map((a: string) => (a === objstoreArg ? '--objstore.config=type: S3\nconfig: {bucket: b, endpoint: e, regoin: x}' : a));
      },
      /container "thanos-store": --objstore\.config: unknown S3 config field "regoin"/,
    ));
});

describe('integrity', () => {
  test('missing ConfigMap, key, Secret, external Secret key, PVC, ServiceAccount', () => {
    expectProblem(
      'integrity',
      (o) => {
        o.splice(o.indexOf(find(o, 'ConfigMap', 'prometheus-rules')), 1);
      },
      /StatefulSet monitoring\/prometheus: volume "rules": ConfigMap monitoring\/prometheus-rules does not exist in the set/,
    );
    expectProblem(
      'integrity',
      (o) => {
        find(o, 'StatefulSet', 'prometheus').spec.template.spec.volumes[0].configMap.items = [{ key: 'prom.yml', path: 'prometheus.yml' }];
      },
      /ConfigMap monitoring\/prometheus-config has no key "prom\.yml"/,
    );
    expectProblem('integrity', () => undefined, /Secret monitoring\/thanos-objstore is neither in the set nor declared in externalSecrets/, {
      skip: ['configs'],
    });
    expectProblem(
      'integrity',
      (o) => {
        containerOf(o, 'StatefulSet', 'thanos-store').env[1].valueFrom.secretKeyRef.key = 'secret-key';
      },
      /env OBJSTORE_SECRET_KEY: Secret monitoring\/thanos-objstore has no declared key "secret-key"/,
    );
    expectProblem(
      'integrity',
      (o) => {
        find(o, 'StatefulSet', 'thanos-store').spec.template.spec.volumes[0] = { name: 'data', persistentVolumeClaim: { claimName: 'store-data' } };
      },
      /volume "data": PersistentVolumeClaim monitoring\/store-data does not exist/,
    );
    expectProblem(
      'integrity',
      (o) => {
        o.splice(o.indexOf(find(o, 'ServiceAccount', 'prometheus')), 1);
      },
      /serviceAccountName "prometheus": ServiceAccount monitoring\/prometheus does not exist/,
    );
  });

  test('volumeMounts name a volume or claim template; volume names are unique', () => {
    expectProblem(
      'integrity',
      (o) => {
        containerOf(o, 'Deployment', 'grafana').volumeMounts[2].name = 'data';
      },
      /container "grafana": volumeMount "data" \(at \/var\/lib\/grafana\) names no volume of the pod/,
    );
    expectProblem(
      'integrity',
      (o) => {
        find(o, 'StatefulSet', 'prometheus').spec.template.spec.volumes.push({ name: 'data', emptyDir: {} });
      },
      /StatefulSet monitoring\/prometheus: 2 volumes \(or claim templates\) are named "data"/,
    );
  });

  test('Service selectors and target ports', () => {
    expectProblem(
      'integrity',
      (o) => {
        find(o, 'Service', 'grafana').spec.selector = { app: 'grafana-ui' };
      },
      /Service monitoring\/grafana: selector \{"app":"grafana-ui"\} matches no pod template/,
    );
    expectProblem(
      'integrity',
      (o) => {
        find(o, 'Service', 'thanos-query').spec.ports[0].targetPort = 'web';
      },
      /Service monitoring\/thanos-query: port "http" targetPort "web" is not a containerPort of Deployment monitoring\/thanos-query/,
    );
    expectProblem(
      'integrity',
      (o) => {
        find(o, 'Service', 'thanos-query').spec.ports[1].targetPort = 10909;
      },
      /port "grpc" targetPort 10909 is not a containerPort/,
    );
  });

  test('StatefulSet serviceName must be a headless Service of the set', () => {
    expectProblem(
      'integrity',
      (o) => {
        find(o, 'StatefulSet', 'thanos-store').spec.serviceName = 'thanos-store-headless';
      },
      /StatefulSet monitoring\/thanos-store: serviceName "thanos-store-headless" is not a Service of the set/,
    );
    expectProblem(
      'integrity',
      (o) => {
        delete find(o, 'Service', 'alertmanager').spec.clusterIP;
      },
      /StatefulSet monitoring\/alertmanager: serviceName alertmanager must be a headless Service/,
    );
  });

  test('workload and PDB selectors', () => {
    expectProblem(
      'integrity',
      (o) => {
        find(o, 'Deployment', 'grafana').spec.selector.matchLabels.tier = 'ui';
      },
      /Deployment monitoring\/grafana: spec\.selector .* does not match its own template labels/,
    );
    expectProblem(
      'integrity',
      (o) => {
        find(o, 'PodDisruptionBudget', 'thanos-query').spec.selector.matchLabels.app = 'querier';
      },
      /PodDisruptionBudget monitoring\/thanos-query: selector .*querier.* matches no workload/,
    );
  });

  test('in-cluster addresses resolve to a Service and port of the set', () => {
    const query = (o: Obj[]): Obj => containerOf(o, 'Deployment', 'thanos-query');
    expectProblem(
      'integrity',
      (o) => {
        query(o).args[1] = '--endpoint=dnssrv+_grpc._tcp.prometheus.monitoring.svc.cluster.local';
      },
      /container "thanos-query": address "dnssrv\+_grpc\._tcp\.prometheus\.monitoring\.svc\.cluster\.local": Service monitoring\/prometheus does not exist/,
    );
    expectProblem(
      'integrity',
      (o) => {
        query(o).args[2] = '--endpoint=dnssrv+_grpc-store._tcp.thanos-store.monitoring.svc';
      },
      /Service monitoring\/thanos-store has no port named "grpc-store"/,
    );
    expectProblem(
      'integrity',
      (o) => {
        query(o).args[2] = '--endpoint=dns+thanos-store.monitoring.svc:10902';
      },
      /address "dns\+thanos-store\.monitoring\.svc:10902": Service monitoring\/thanos-store has no port 10902/,
    );
    expectProblem(
      'integrity',
      (o) => {
        query(o).args[2] = '--endpoint=dnssrv+_grpc._tcp.thanos-query.monitoring.svc';
      },
      /DNS discovery needs a headless Service \(clusterIP: None\), monitoring\/thanos-query has a cluster IP/,
    );
    expectProblem(
      'integrity',
      (o) => {
        find(o, 'ConfigMap', 'grafana-datasources').data['datasources.yaml'] = 'datasources:\n  - url: http://thanos-query.monitoring.svc:10902\n';
      },
      /ConfigMap monitoring\/grafana-datasources: key "datasources\.yaml": address "http:\/\/thanos-query\.monitoring\.svc:10902": Service monitoring\/thanos-query has no port 10902/,
    );
    expectProblem(
      'integrity',
      (o) => {
        find(o, 'ConfigMap', 'prometheus-config').data['prometheus.yml'] = PROMETHEUS_YML.replace(
          'alertmanager.monitoring.svc:9093',
          'alertmanager.monitoring.svc:9094',
        );
      },
      /key "prometheus\.yml": address "alertmanager\.monitoring\.svc:9094": Service monitoring\/alertmanager has no port 9094/,
    );
    expectProblem(
      'integrity',
      (o) => {
        find(o, 'ConfigMap', 'grafana-datasources').data['datasources.yaml'] = 'datasources:\n  - url: http://thanos-querier:9090\n';
      },
      /address "http:\/\/thanos-querier:9090": Service monitoring\/thanos-querier does not exist/,
    );
  });

  test('address forms: external names are skipped', () => {
    expect(findAddresses('--endpoint=thanos.example.com:10901 http://localhost:9090 https://grafana.com/x s3.amazonaws.com a.b.svc.example.org', NS)).toEqual(
      [],
    );
    expect(findAddresses('dnssrv+_grpc._tcp.store.obs', NS).map((a) => `${a.svc}.${a.ns}:${a.portName}`)).toEqual(['store.obs:grpc']);
    expect(findAddresses('--query=dns+thanos-query:9090', NS).map((a) => `${a.svc}.${a.ns}:${a.port}`)).toEqual(['thanos-query.monitoring:9090']);
    expect(findAddresses('names: [_web._tcp.alertmanager.monitoring.svc]', NS).map((a) => a.form)).toEqual(['srv']);
    expect(findAddresses('prometheus-0.prometheus-headless.monitoring.svc:9090', NS).map((a) => a.svc)).toEqual(['prometheus-headless']);
  });

  test('sidecar and Prometheus share the TSDB, with equal block durations when uploading', () => {
    const sidecar = (o: Obj[]): Obj => containerOf(o, 'StatefulSet', 'prometheus', 'thanos-sidecar');
    const prom = (o: Obj[]): Obj => containerOf(o, 'StatefulSet', 'prometheus', 'prometheus');
    expectProblem(
      'integrity',
      (o) => {
        sidecar(o).args[1] = '--tsdb.path=/data';
        sidecar(o).volumeMounts[0].mountPath = '/data';
      },
      /sidecar container "thanos-sidecar" \/ Prometheus container "prometheus": sidecar --tsdb\.path=\/data differs from Prometheus --storage\.tsdb\.path=\/prometheus/,
    );
    expectProblem(
      'integrity',
      (o) => {
        find(o, 'StatefulSet', 'prometheus').spec.template.spec.volumes.push({ name: 'scratch', emptyDir: {} });
        sidecar(o).volumeMounts[0].name = 'scratch';
      },
      /the TSDB directories are different volumes \(sidecar: scratch at \/prometheus, Prometheus: data at \/prometheus\)/,
    );
    expectProblem(
      'integrity',
      (o) => {
        prom(o).args = prom(o).args.filter((a: string) => !a.includes('min-block-duration'));
      },
      /the sidecar uploads blocks, so Prometheus needs --storage\.tsdb\.min-block-duration == --storage\.tsdb\.max-block-duration \(got unset \/ 2h\)/,
    );
    expect(
      problemsAfter((o) => {
        prom(o).args = [
          ...prom(o).args.filter((a: string) => !a.includes('block-duration')),
          '--storage.tsdb.delay-compact-file.path=/prometheus/thanos.shipper.json',
        ];
      }),
    ).toEqual([]);
    expectProblem(
      'integrity',
      (o) => {
        prom(o).args.push('--storage.tsdb.delay-compact-file.path=/prometheus/shipper.json');
      },
      /--storage\.tsdb\.delay-compact-file\.path=\/prometheus\/shipper\.json must be \/prometheus\/thanos\.shipper\.json/,
    );
  });

  test('sidecar needs external labels and, with the reloader, --web.enable-lifecycle', () => {
    expectProblem(
      'integrity',
      (o) => {
        find(o, 'ConfigMap', 'prometheus-config').data['prometheus.yml'] = PROMETHEUS_YML.replace(/ {2}external_labels:\n.*\n.*\n/, '');
      },
      /the Prometheus config has no global\.external_labels; the sidecar refuses to start/,
    );
    expectProblem(
      'integrity',
      (o) => {
        const s = containerOf(o, 'StatefulSet', 'prometheus', 'thanos-sidecar');
        s.args.push('--reloader.rule-dir=/etc/prometheus/rules');
        const p = containerOf(o, 'StatefulSet', 'prometheus', 'prometheus');
        p.args = p.args.filter((a: string) => a !== '--web.enable-lifecycle');
      },
      /the sidecar reloader POSTs \/-\/reload, which Prometheus refuses without --web\.enable-lifecycle/,
    );
  });

  test('file flags are mounted; data directories are writable', () => {
    expectProblem(
      'integrity',
      (o) => {
        const q = containerOf(o, 'Deployment', 'thanos-query');
        q.args = [
          'rule',
          '--rule-file=/etc/thanos/rules/*.yaml',
          '--data-dir=/var/thanos/rule',
          '--query=dnssrv+_http._tcp.thanos-query.monitoring.svc',
          '--label=replica="r0"',
          objstoreArg,
        ];
      },
      /container "thanos-query": --rule-file=\/etc\/thanos\/rules\/\*\.yaml matches no file the container mounts \(nothing is mounted at \/etc\/thanos\/rules\)/,
    );
    expectProblem(
      'integrity',
      (o) => {
        containerOf(o, 'StatefulSet', 'thanos-store').volumeMounts.pop();
      },
      /container "thanos-store": --objstore\.config-file=\/etc\/thanos\/objstore\/objstore\.yml: no volume of the container provides that file/,
    );
    expectProblem(
      'integrity',
      (o) => {
        containerOf(o, 'StatefulSet', 'thanos-store').args[1] = '--data-dir=/data';
      },
      /--data-dir=\/data is not on a writable volume/,
    );
  });

  test('query replica labels are external labels of some Prometheus or ruler', () =>
    expectProblem(
      'integrity',
      (o) => {
        containerOf(o, 'Deployment', 'thanos-query').args.push('--query.replica-label=prometheus_replica');
      },
      /container "thanos-query": --query\.replica-label=prometheus_replica is not an external label of any Prometheus config nor a ruler\/receiver --label \(known: cluster, replica\)/,
    ));

  test('NetworkPolicy selectors match pods', () => {
    expectProblem(
      'integrity',
      (o) => {
        find(o, 'NetworkPolicy', 'thanos-query').spec.podSelector.matchLabels.app = 'query';
      },
      /NetworkPolicy monitoring\/thanos-query: podSelector .* matches no pod template/,
    );
    expectProblem(
      'integrity',
      (o) => {
        find(o, 'NetworkPolicy', 'thanos-query').spec.ingress[0].from[0].podSelector.matchLabels.app = 'grafana-ui';
      },
      /ingress from\.podSelector .*grafana-ui.* matches no pod template/,
    );
  });

  test('RBAC bindings point at roles and ServiceAccounts of the set', () =>
    expectProblem(
      'integrity',
      (o) => {
        find(o, 'ClusterRoleBinding', 'prometheus').subjects[0].name = 'prom';
      },
      /ClusterRoleBinding prometheus: subject ServiceAccount monitoring\/prom does not exist/,
    ));
});

describe('credentials', () => {
  test('Secret with data', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: meta('grafana-admin'), stringData: { 'admin-password': 'hunter2' } };
    expectProblem('credentials', (o) => o.push(secret), /Secret monitoring\/grafana-admin: carries stringData \(admin-password\)/);
    expect(problemsAfter((o) => o.push(secret), { ...FAST, allowSecretData: true })).toEqual([]);
  });

  test('literal credential env var', () =>
    expectProblem(
      'credentials',
      (o) => {
        containerOf(o, 'Deployment', 'grafana').env.push({ name: 'GF_SECURITY_ADMIN_PASSWORD', value: 'admin' });
      },
      /Deployment monitoring\/grafana: container "grafana": env GF_SECURITY_ADMIN_PASSWORD has a literal value/,
    ));

  test('a credential env var that names a mounted file is a reference, not a value', () => {
    expect(
      problemsAfter(
        (o) => {
          containerOf(o, 'Deployment', 'grafana').env.push({ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: '/etc/thanos/gcs/key.json' });
        },
        { ...FAST, skip: ['integrity'] },
      ),
    ).toEqual([]);
  });

  test('literal credential in a ConfigMap', () => {
    expectProblem(
      'credentials',
      (o) => {
        find(o, 'ConfigMap', 'grafana-datasources').data['grafana.ini'] = '[security]\nadmin_password = admin\n';
      },
      /ConfigMap monitoring\/grafana-datasources: key "grafana\.ini": admin_password is assigned a literal value/,
    );
    expectProblem(
      'credentials',
      (o) => {
        find(o, 'ConfigMap', 'alertmanager-config').data['alertmanager.yml'] =
          `${ALERTMANAGER_YML}    email_configs:\n      - to: a@b.c\n        auth_password: x\n        password: s3cret\n`;
      },
      /key "alertmanager\.yml": password is assigned a literal value/,
    );
  });
});

describe('security (restricted + project policy)', () => {
  const grafana = (o: Obj[]): Obj => containerOf(o, 'Deployment', 'grafana');
  const spec = (o: Obj[]): Obj => find(o, 'Deployment', 'grafana').spec.template.spec;
  const cases: Array<[string, (o: Obj[]) => void, RegExp]> = [
    [
      'runAsNonRoot',
      (o) => {
        delete spec(o).securityContext.runAsNonRoot;
      },
      /container "grafana": runAsNonRoot must be true/,
    ],
    [
      'runAsUser 0',
      (o) => {
        grafana(o).securityContext = { ...restricted, runAsUser: 0 };
      },
      /container "grafana": runAsUser 0 \(root\) is forbidden/,
    ],
    [
      'seccomp',
      (o) => {
        delete spec(o).securityContext.seccompProfile;
      },
      /seccompProfile\.type must be RuntimeDefault or Localhost/,
    ],
    [
      'allowPrivilegeEscalation',
      (o) => {
        grafana(o).securityContext = { ...restricted, allowPrivilegeEscalation: true };
      },
      /allowPrivilegeEscalation must be false \(got true\)/,
    ],
    [
      'capabilities.drop',
      (o) => {
        grafana(o).securityContext = { ...restricted, capabilities: { drop: ['NET_RAW'] } };
      },
      /capabilities\.drop must include ALL/,
    ],
    [
      'capabilities.add',
      (o) => {
        grafana(o).securityContext = { ...restricted, capabilities: { drop: ['ALL'], add: ['SYS_ADMIN', 'NET_BIND_SERVICE'] } };
      },
      /capabilities\.add \["SYS_ADMIN"\] is forbidden/,
    ],
    [
      'privileged',
      (o) => {
        grafana(o).securityContext = { ...restricted, privileged: true };
      },
      /privileged: true is forbidden/,
    ],
    [
      'hostNetwork',
      (o) => {
        spec(o).hostNetwork = true;
      },
      /Deployment monitoring\/grafana: hostNetwork: true is forbidden/,
    ],
    [
      'hostPID',
      (o) => {
        spec(o).hostPID = true;
      },
      /hostPID: true is forbidden/,
    ],
    [
      'hostPath',
      (o) => {
        spec(o).volumes[2] = { name: 'storage', hostPath: { path: '/var/lib/grafana' } };
      },
      /volume "storage" of type hostPath is not allowed/,
    ],
    [
      'hostPort',
      (o) => {
        grafana(o).ports[0].hostPort = 3000;
      },
      /container "grafana": hostPort 3000 is forbidden/,
    ],
    [
      'readOnlyRootFilesystem',
      (o) => {
        grafana(o).securityContext = { ...restricted, readOnlyRootFilesystem: false };
      },
      /readOnlyRootFilesystem must be true/,
    ],
    [
      'resources',
      (o) => {
        grafana(o).resources = { requests: { cpu: '1' } };
      },
      /resources requests\.memory, limits\.memory must be set/,
    ],
    [
      'probes',
      (o) => {
        delete grafana(o).readinessProbe;
      },
      /container "grafana": long-running container needs readinessProbe/,
    ],
    [
      'seLinuxOptions (baseline)',
      (o) => {
        grafana(o).securityContext = { ...restricted, seLinuxOptions: { type: 'spc_t' } };
      },
      /seLinuxOptions \{"type":"spc_t"\} is forbidden/,
    ],
    [
      'procMount (baseline)',
      (o) => {
        grafana(o).securityContext = { ...restricted, procMount: 'Unmasked' };
      },
      /procMount Unmasked is forbidden/,
    ],
    [
      'sysctls (baseline)',
      (o) => {
        spec(o).securityContext.sysctls = [{ name: 'net.core.somaxconn', value: '1024' }];
      },
      /sysctl net\.core\.somaxconn is not in the safe set/,
    ],
    [
      'AppArmor (baseline)',
      (o) => {
        find(o, 'Deployment', 'grafana').spec.template.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/grafana': 'unconfined' };
      },
      /AppArmor profile .*=unconfined is forbidden/,
    ],
    [
      'init containers too',
      (o) => {
        spec(o).initContainers = [{ name: 'init', image: 'busybox', resources, securityContext: { readOnlyRootFilesystem: true } }];
      },
      /container "init": allowPrivilegeEscalation must be false/,
    ],
  ];
  test.each(cases)('%s', (_name, mutate, expected) => expectProblem('security', mutate, expected));

  test('Job pods and init containers need no probes', () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: meta('bucket-check'),
      spec: { template: podTemplate('bucket-check', { restartPolicy: 'Never', containers: [container('check', 'busybox:1.36', { args: ['true'] })] }) },
    };
    expect(problemsAfter((o) => o.push(job))).toEqual([]);
  });
});
