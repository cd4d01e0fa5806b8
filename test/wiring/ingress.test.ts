/** Ingress for the UIs (#14.10): class and host from the user, TLS from a Secret, the controller admitted by namespace and pod selector. */
import { Chart, Testing } from 'cdk8s';
import { Secret } from 'cdk8s-plus-27';
import { IngressOptions, NetworkPeer, prerequisiteSecrets, ThanosStack, ThanosStackProps } from '../../src';
import { expectValid } from '../harness';
import { containerOf, find, flag, Manifest, problems } from '../support/util';

const CONTROLLER = NetworkPeer.pods({ 'app.kubernetes.io/name': 'ingress-nginx' }, 'ingress-nginx');
const CONTROLLER_PEER = {
  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
};

function build(chart: Chart, extra: ThanosStackProps = {}): ThanosStack {
  const tls = Secret.fromSecretName(chart, 'Tls', 'monitoring-tls');
  const ingress = (host: string): IngressOptions => ({ className: 'nginx', host, tlsSecret: tls, controller: CONTROLLER });
  return new ThanosStack(chart, 'Thanos', {
    queryFrontend: { ingress: ingress('thanos.example.com') },
    query: { ingress: ingress('querier.example.com') },
    grafana: { ingress: ingress('grafana.example.com') },
    bucketWeb: { ingress: ingress('bucket.example.com'), disableAdminOperations: true },
    alertmanager: { ingress: ingress('alerts.example.com') },
    ...extra,
  });
}

describe('Ingress for every UI', () => {
  const app = Testing.app();
  const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  build(chart);
  const objects = Testing.synth(chart) as Manifest[];
  const routes: Array<[string, string, string, number]> = [
    ['thanos-query-frontend', 'thanos.example.com', 'http', 10902],
    ['thanos-query', 'querier.example.com', 'http', 10902],
    ['grafana', 'grafana.example.com', 'http', 3000],
    ['thanos-bucketweb', 'bucket.example.com', 'http', 10902],
    ['alertmanager', 'alerts.example.com', 'web', 9093],
  ];

  test.each(routes)(
    '%s: an Ingress of class nginx for %s with TLS from the Secret, to its Service port, and its policy admits the controller',
    (name, host, _, port) => {
      const ingress = find(objects, 'Ingress', name);
      const servicePort = find(objects, 'Service', name).spec.ports.find((p: any) => p.port === port);
      expect(ingress.spec).toEqual({
        ingressClassName: 'nginx',
        tls: [{ hosts: [host], secretName: 'monitoring-tls' }],
        rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { name: servicePort.name } } } }] } }],
      });
      // Before: no Ingress, and the controller had to be admitted by hand (`connections.allowFrom`).
      const onPort = find(objects, 'NetworkPolicy', name).spec.ingress.filter((r: any) => r.ports?.length === 1 && r.ports[0].port === port);
      expect(onPort.flatMap((r: any) => r.from)).toContainEqual(CONTROLLER_PEER);
    },
  );

  test("links point at the Ingress: ruler alert sources, Alertmanager's external URL, Grafana's root URL", () => {
    expect(flag(containerOf(find(objects, 'StatefulSet', 'thanos-rule'), 'thanos-rule').args, '--alert.query-url')).toBe('https://thanos.example.com');
    expect(flag(containerOf(find(objects, 'StatefulSet', 'alertmanager'), 'alertmanager').args, '--web.external-url')).toBe('https://alerts.example.com');
    expect(containerOf(find(objects, 'Deployment', 'grafana'), 'grafana').env).toContainEqual({
      name: 'GF_SERVER_ROOT_URL',
      value: 'https://grafana.example.com',
    });
  });

  test('the TLS Secret is a declared prerequisite, and the output passes the harness', () => {
    expect(prerequisiteSecrets(app)).toContainEqual(expect.objectContaining({ name: 'monitoring-tls', keys: ['tls.crt', 'tls.key'] }));
    expectValid(objects, { externalSecrets: prerequisiteSecrets(app) });
  });
});

describe('Ingress input is checked', () => {
  test('plaintext is refused without the acknowledgement', () => {
    expect(
      problems((c) => new ThanosStack(c, 'Thanos', { grafana: { ingress: { className: 'nginx', host: 'grafana.example.com', controller: CONTROLLER } } })),
    ).toEqual([
      expect.stringMatching(
        /^\[test\/Thanos\/Grafana\] the Ingress grafana.example.com serves grafana over plaintext HTTP: give ingress.tlsSecret, or set acknowledgePlaintextExposure: true/,
      ),
    ]);
    expect(
      problems(
        (c) =>
          new ThanosStack(c, 'Thanos', {
            grafana: { acknowledgePlaintextExposure: true, ingress: { className: 'nginx', host: 'grafana.example.com', controller: CONTROLLER } },
          }),
      ),
    ).toEqual([]);
  });

  test('the controller must be selected by namespace and pods together', () => {
    const found = problems(
      (c) =>
        new ThanosStack(c, 'Thanos', {
          grafana: {
            ingress: {
              className: 'nginx',
              host: 'grafana.example.com',
              tlsSecret: Secret.fromSecretName(c, 'T', 'tls'),
              controller: NetworkPeer.namespaces({ 'kubernetes.io/metadata.name': 'ingress-nginx' }),
            },
          },
        }),
    );
    expect(found).toEqual([expect.stringMatching(/ingress.controller must select the controller's namespace and its pods together/)]);
  });

  test('the bucket web with admin operations is refused behind an unauthenticated Ingress', () => {
    const found = problems(
      (c) =>
        new ThanosStack(c, 'Thanos', {
          bucketWeb: { ingress: { className: 'nginx', host: 'bucket.example.com', tlsSecret: Secret.fromSecretName(c, 'T', 'tls'), controller: CONTROLLER } },
        }),
    );
    expect(found).toEqual([
      expect.stringMatching(
        /the Ingress bucket.example.com exposes the bucket web UI, which marks blocks for deletion without authentication: set disableAdminOperations: true/,
      ),
    ]);
  });

  test('host, class and path are validated', () => {
    const found = problems(
      (c) =>
        new ThanosStack(c, 'Thanos', {
          grafana: {
            ingress: {
              className: 'Nginx!',
              host: 'https://grafana.example.com',
              path: 'grafana',
              tlsSecret: Secret.fromSecretName(c, 'T', 'tls'),
              controller: CONTROLLER,
            },
          },
        }),
    );
    expect(found).toEqual([
      expect.stringMatching(/ingress.host "https:\/\/grafana.example.com" is not a DNS name/),
      expect.stringMatching(/ingress.className "Nginx!" is not an IngressClass name/),
      expect.stringMatching(/ingress.path "grafana" is not a path/),
    ]);
  });
});
