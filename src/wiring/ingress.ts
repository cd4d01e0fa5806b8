import { ISecret, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Connections, INetworkPeer } from './connections';
import { NamedPort } from '../ports';
import { requireSecret } from '../output/prerequisites';
import { validateWith } from '../private/problems';

/** An Ingress in front of a component's UI or HTTP API (query frontend, querier, Grafana, bucket web, Alertmanager). */
export interface IngressOptions {
  /** `spec.ingressClassName`: which controller serves it, e.g. `nginx`. */
  readonly className: string;
  /** The host name users open, e.g. `thanos.example.com`. */
  readonly host: string;
  /**
   * The ingress controller's pods, admitted by the component's NetworkPolicy on the backend port: a namespace
   * and pod selector together, e.g. `NetworkPeer.pods({ 'app.kubernetes.io/name': 'ingress-nginx' }, 'ingress-nginx')`.
   */
  readonly controller: INetworkPeer;
  /**
   * A `kubernetes.io/tls` Secret (keys `tls.crt`, `tls.key`, e.g. written by cert-manager) the controller
   * terminates TLS with.
   * @default - none: plaintext HTTP, refused unless the component sets `acknowledgePlaintextExposure`
   */
  readonly tlsSecret?: ISecret;
  /**
   * Path prefix routed to the component. The component keeps serving at `/`: strip the prefix at the controller.
   * @default '/'
   */
  readonly path?: string;
  /**
   * Annotations for the controller, e.g. authentication (`nginx.ingress.kubernetes.io/auth-url`).
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
}

/** What `addIngress` needs of the component it fronts. */
export interface IngressTarget {
  /** The component's NetworkPolicy. */
  readonly connections: Connections;
  /** Name of the Ingress and of the Service it routes to. */
  readonly serviceName: string;
  /** Labels of the Ingress object. */
  readonly labels: { [key: string]: string };
  /** The Service port it routes to. */
  readonly port: NamedPort;
  /** What the UI lets anyone do who reaches it, when that needs more than TLS (e.g. block deletion), with the fix. */
  readonly unauthenticatedRisk?: string;
}

const HOST = /^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Renders the Ingress, admits the controller on the backend port, requires the TLS Secret, and returns the
 * URL users reach the component at. @internal
 */
export function addIngress(scope: Construct, target: IngressTarget, o: IngressOptions): string {
  const path = o.path ?? '/';
  new k8s.KubeIngress(scope, 'Ingress', {
    metadata: { name: target.serviceName, labels: { ...target.labels }, ...(o.annotations ? { annotations: { ...o.annotations } } : {}) },
    spec: {
      ingressClassName: o.className,
      ...(o.tlsSecret ? { tls: [{ hosts: [o.host], secretName: o.tlsSecret.name }] } : {}),
      rules: [
        {
          host: o.host,
          http: { paths: [{ path, pathType: 'Prefix', backend: { service: { name: target.serviceName, port: { name: target.port.name } } } }] },
        },
      ],
    },
  });
  // The controller proxies to the pods (the Service's endpoints), so the policy admits it on the pod port.
  target.connections.allowFrom(o.controller, target.port.port);
  if (o.tlsSecret) requireSecret(scope, { name: o.tlsSecret.name, keys: ['tls.crt', 'tls.key'], purpose: `TLS of the Ingress ${o.host}` });
  validateWith(scope, () => ingressProblems(target, o));
  return `${o.tlsSecret ? 'https' : 'http'}://${o.host}${path === '/' ? '' : path.replace(/\/$/, '')}`;
}

function ingressProblems(target: IngressTarget, o: IngressOptions): string[] {
  const problems: string[] = [];
  if (!HOST.test(o.host)) problems.push(`ingress.host ${JSON.stringify(o.host)} is not a DNS name: write e.g. "thanos.example.com" (no scheme, port or path)`);
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(o.className))
    problems.push(`ingress.className ${JSON.stringify(o.className)} is not an IngressClass name: write e.g. "nginx"`);
  if (o.path !== undefined && !/^\/[^\s?#]*$/.test(o.path))
    problems.push(`ingress.path ${JSON.stringify(o.path)} is not a path: start it with "/", e.g. "/thanos"`);
  const peer = o.controller.toNetworkPolicyPeer();
  if (!peer.podSelector || !peer.namespaceSelector || Object.keys(peer.namespaceSelector).length === 0) {
    problems.push(
      `ingress.controller must select the controller's namespace and its pods together (a namespace alone admits every pod in it; pod labels alone, anyone's pods): write e.g. NetworkPeer.pods({ "app.kubernetes.io/name": "ingress-nginx" }, "ingress-nginx")`,
    );
  }
  if (!target.connections.exposure.acknowledgePlaintextExposure) {
    if (!o.tlsSecret)
      problems.push(
        `the Ingress ${o.host} serves ${target.serviceName} over plaintext HTTP: give ingress.tlsSecret, or set acknowledgePlaintextExposure: true`,
      );
    if (target.unauthenticatedRisk)
      problems.push(
        `the Ingress ${o.host} exposes ${target.unauthenticatedRisk}, or set acknowledgePlaintextExposure: true once the controller authenticates (ingress.annotations)`,
      );
  }
  return problems;
}
