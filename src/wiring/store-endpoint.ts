/**
 * StoreAPI endpoints outside the app (sidecars in other clusters, stores in other namespaces) that a
 * querier fans out to, with optional per-endpoint client TLS.
 */
import { ISecret, k8s } from 'cdk8s-plus-27';
import { INetworkPeer, NetworkPeer } from './connections';
import { PORTS } from '../ports';
import { labelNameProblems, secretKeyProblems } from '../private/problems';
import { checksum } from '../private/kubernetes';
import { DNS_LABEL_MAX_LENGTH, maxNameWith } from '../private/invariants';

/** Where the querier mounts client certificates: one folder per Secret. */
const TLS_ROOT = '/etc/thanos/tls';

/** Options of `GrpcClientTls.fromSecret`. */
export interface GrpcClientTlsOptions {
  /**
   * Key of the CA bundle that verifies the endpoint's server certificate.
   * @default 'ca.crt'
   */
  readonly caKey?: string;
  /**
   * Key of the client certificate the querier presents.
   * @default 'tls.crt'
   */
  readonly certKey?: string;
  /**
   * Key of the client certificate's private key.
   * @default 'tls.key'
   */
  readonly keyKey?: string;
  /**
   * Name to verify the server certificate against (SNI), when it differs from the host dialled.
   * @default - the endpoint's host
   */
  readonly serverName?: string;
}

/**
 * Mutual TLS from the querier to one endpoint (cross-cluster gRPC). The files come from a Secret you
 * own, in the layout cert-manager writes (`ca.crt`, `tls.crt`, `tls.key`), mounted read-only.
 */
export class GrpcClientTls {
  /** CA, client certificate and key from keys of an existing Secret. */
  public static fromSecret(secret: ISecret, options: GrpcClientTlsOptions = {}): GrpcClientTls {
    return new GrpcClientTls(secret.name, options.caKey ?? 'ca.crt', options.certKey ?? 'tls.crt', options.keyKey ?? 'tls.key', options.serverName);
  }

  private constructor(
    /** Name of the Secret holding the files. */
    public readonly secretName: string,
    /** @internal */ public readonly _caKey: string,
    /** @internal */ public readonly _certKey: string,
    /** @internal */ public readonly _keyKey: string,
    /** Server name verified, if set. */
    public readonly serverName?: string,
  ) {}

  /** The Secret keys read. */
  public get keys(): string[] {
    return [...new Set([this._caKey, this._certKey, this._keyKey])];
  }

  /** Where the Secret is mounted in the querier. */
  public get mountPath(): string {
    return `${TLS_ROOT}/${this.secretName}`;
  }

  /** @internal The `client_config` block of an `--endpoint.sd-config` entry. */
  public _toClientConfig(): object {
    return {
      tls_config: {
        enabled: true,
        ca_file: `${this.mountPath}/${this._caKey}`,
        cert_file: `${this.mountPath}/${this._certKey}`,
        key_file: `${this.mountPath}/${this._keyKey}`,
      },
      ...(this.serverName ? { server_name: this.serverName } : {}),
    };
  }

  /** @internal */
  public _problems(): string[] {
    const problems: string[] = [];
    for (const [what, key] of [
      ['caKey', this._caKey],
      ['certKey', this._certKey],
      ['keyKey', this._keyKey],
    ]) {
      problems.push(...secretKeyProblems(`TLS ${what}`, key));
    }
    if (this.serverName !== undefined && !isDnsName(this.serverName)) {
      problems.push(
        `TLS serverName ${JSON.stringify(this.serverName)} is not a DNS name: give the name on the server certificate, e.g. "sidecar.eu1.example.com"`,
      );
    }
    return problems;
  }
}

/** Options of `StoreEndpoint.staticAddress`. */
export interface StaticEndpointOptions {
  /**
   * Client TLS for this endpoint.
   * @default - plaintext gRPC
   */
  readonly tls?: GrpcClientTls;
  /**
   * External labels that differ between replicas of the source behind it; the querier deduplicates on them.
   * @default - none
   */
  readonly replicaLabels?: string[];
  /**
   * The endpoint as a NetworkPolicy peer.
   * @default - the address when the host is an IP, else any address
   */
  readonly peer?: INetworkPeer;
}

/** Options of `StoreEndpoint.dnsSrv`. */
export interface DnsSrvEndpointOptions {
  /**
   * Port the SRV records point at, for NetworkPolicy egress (DNS gives the real one at run time).
   * @default 10901
   */
  readonly port?: number;
  /**
   * External labels that differ between replicas of the sources behind it; the querier deduplicates on them.
   * @default - none
   */
  readonly replicaLabels?: string[];
  /**
   * The endpoints as a NetworkPolicy peer.
   * @default - any address
   */
  readonly peer?: INetworkPeer;
}

/**
 * A StoreAPI the querier reaches that is not a construct of this app. Components of the app are
 * found on their own; use this for what lives elsewhere.
 */
export class StoreEndpoint {
  /**
   * A static `host:port` (host: DNS name, IPv4, or `[IPv6]`), e.g. a sidecar behind a load balancer
   * in another cluster. Only static addresses can carry per-endpoint TLS: Thanos dials DNS-discovered
   * endpoints with the global client settings.
   */
  public static staticAddress(hostPort: string, options: StaticEndpointOptions = {}): StoreEndpoint {
    const parsed = parseHostPort(hostPort);
    const peer = options.peer ?? (parsed?.ip ? NetworkPeer.ipBlock(parsed.ip.includes(':') ? `${parsed.ip}/128` : `${parsed.ip}/32`) : NetworkPeer.anywhere());
    const problems = parsed ? [] : [hostPortProblem(hostPort)];
    return new StoreEndpoint(hostPort, parsed?.port ?? 0, peer, options.replicaLabels ?? [], problems, options.tls);
  }

  /**
   * Every target of an SRV record, resolved again every 30s: e.g. `_grpc._tcp.thanos-store.other-ns.svc`
   * for the pods behind a headless Service's port named `grpc`. Written as `dnssrv+<name>`.
   */
  public static dnsSrv(name: string, options: DnsSrvEndpointOptions = {}): StoreEndpoint {
    const srv = name.startsWith('dnssrv+') ? name.slice('dnssrv+'.length) : name;
    const port = options.port ?? PORTS.thanosGrpc.port;
    const problems = [
      ...(isDnsName(srv, true)
        ? []
        : [`SRV name ${JSON.stringify(name)} is not a DNS name: give the record name, e.g. "_grpc._tcp.thanos-store.monitoring.svc"`]),
      ...portProblems(`SRV port of ${JSON.stringify(name)}`, port),
    ];
    return new StoreEndpoint(`dnssrv+${srv}`, port, options.peer ?? NetworkPeer.anywhere(), options.replicaLabels ?? [], problems);
  }

  private constructor(
    /** The address as the querier's endpoint config writes it. */
    public readonly address: string,
    /** The gRPC port, for NetworkPolicy egress. */
    public readonly port: number,
    /** Where it is, for NetworkPolicy egress. */
    public readonly peer: INetworkPeer,
    /** Replica labels of the sources behind it. */
    public readonly replicaLabels: string[],
    private readonly problems: string[],
    /** Client TLS, if any. */
    public readonly tls?: GrpcClientTls,
  ) {}

  /** @internal The `--endpoint.sd-config` entry. */
  public _toYaml(): object {
    return { address: this.address, ...(this.tls ? { client_config: this.tls._toClientConfig() } : {}) };
  }

  /** @internal The secret volume the TLS files are read from. */
  public _tlsVolume(): { volume: k8s.Volume; mount: k8s.VolumeMount } | undefined {
    if (!this.tls) return undefined;
    const name = tlsVolumeName(this.tls.secretName);
    return {
      volume: { name, secret: { secretName: this.tls.secretName } },
      mount: { name, mountPath: this.tls.mountPath, readOnly: true },
    };
  }

  /** @internal */
  public _problems(): string[] {
    return [
      ...this.problems,
      ...(this.tls?._problems() ?? []),
      ...this.replicaLabels.flatMap((l) => labelNameProblems(`replica label of endpoint ${this.address}`, l)),
    ];
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/i;
/** SRV record labels (`_grpc`, `_tcp`) start with an underscore. */
const SRV_LABEL = /^_[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-f:.]*:[0-9a-f:.]*$/i;

function isDnsName(name: string, srv = false): boolean {
  if (!name || name.length > 253) return false;
  return name
    .replace(/\.$/, '')
    .split('.')
    .every((label) => DNS_LABEL.test(label) || (srv && SRV_LABEL.test(label)));
}

function portProblems(what: string, port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [`${what} ${port} is not a valid port: use 1-65535`];
}

/** `host:port` split, or undefined when it is not one. */
function parseHostPort(hostPort: string): { host: string; port: number; ip?: string } | undefined {
  const m = /^(\[([^\]]+)\]|[^:[\]]+):(\d{1,5})$/.exec(hostPort);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  if (m[2] !== undefined) return IPV6.test(m[2]) ? { host: m[2], port, ip: m[2] } : undefined;
  const host = m[1];
  if (IPV4.test(host)) return { host, port, ip: host };
  // A dotted all-numeric host is a mistyped IP, not a name.
  if (/^[\d.]+$/.test(host)) return undefined;
  return isDnsName(host) ? { host, port } : undefined;
}

/** Why `hostPort` is rejected, with the fix. */
function hostPortProblem(hostPort: string): string {
  const hint = 'give host:port with a DNS name, IPv4 or [IPv6] host and a port 1-65535, e.g. "sidecar.eu1.example.com:10901"';
  if (/^dns(srv)?(noa)?\+/.test(hostPort)) {
    return `endpoint ${JSON.stringify(hostPort)} is a DNS discovery address: use StoreEndpoint.dnsSrv() for SRV names, or ${hint}`;
  }
  if (hostPort.includes('://')) return `endpoint ${JSON.stringify(hostPort)} has a scheme: gRPC endpoints take none; ${hint}`;
  const port = /:(\d+)$/.exec(hostPort);
  if (!port) return `endpoint ${JSON.stringify(hostPort)} has no port: ${hint}`;
  if (Number(port[1]) < 1 || Number(port[1]) > 65535) return `endpoint ${JSON.stringify(hostPort)} has port ${port[1]} outside 1-65535: ${hint}`;
  return `endpoint ${JSON.stringify(hostPort)} has an invalid host: ${hint}`;
}

/** A volume name (a DNS label) for a Secret name (a DNS subdomain, up to 253 characters). */
function tlsVolumeName(secretName: string): string {
  const name = `tls-${secretName}`;
  if (name.length <= DNS_LABEL_MAX_LENGTH && !name.includes('.')) return name;
  // As much of the name as fits beside the prefix, a '-' and the hash.
  const hash = checksum(secretName);
  return `tls-${secretName
    .replace(/\./g, '-')
    .slice(0, maxNameWith(`tls--${hash}`))
    .replace(/-+$/, '')}-${hash}`;
}
