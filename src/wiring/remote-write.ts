/**
 * Where a Prometheus ships its samples by remote write instead of through a Thanos sidecar: a
 * `ThanosReceive` of the app, or a Receive router elsewhere (a central cluster) by URL.
 */
import { INetworkPeer, IConnectable, NetworkPeer } from './connections';

/** Default tenant header of Thanos Receive (`--receive.tenant-header`, v0.42.4). */
const THANOS_TENANT_HEADER = 'THANOS-TENANT';

/** A remote-write 1.0 endpoint in the app (the Thanos Receive router). */
export interface IRemoteWriteApi extends IConnectable {
  /** The write URL, e.g. `http://thanos-receive-router.monitoring.svc:19291/api/v1/receive`. */
  readonly remoteWriteUrl: string;
  /** Its port. */
  readonly remoteWritePort: number;
  /** The HTTP header that names the tenant of a write request. */
  readonly tenantHeader: string;
}

/** Options of `RemoteWrite.to` and `RemoteWrite.toUrl`. */
export interface RemoteWriteOptions {
  /**
   * Tenant the samples are written as (sent in the target's tenant header).
   * @default - no header: the Receive's default tenant
   */
  readonly tenant?: string;
}

/** Options of `RemoteWrite.toUrl`. */
export interface RemoteWriteUrlOptions extends RemoteWriteOptions {
  /**
   * The tenant header the remote Receive reads.
   * @default 'THANOS-TENANT'
   */
  readonly tenantHeader?: string;
}

/** Where a Prometheus in remote-write mode sends its samples. */
export class RemoteWrite {
  /** A Receive of the app: its NetworkPolicy admits this Prometheus. */
  public static to(target: IRemoteWriteApi, options: RemoteWriteOptions = {}): RemoteWrite {
    return new RemoteWrite(target.remoteWriteUrl, target.tenantHeader, options.tenant, target);
  }

  /** A Receive outside the app (another cluster), e.g. `https://receive.example.com/api/v1/receive`. */
  public static toUrl(url: string, options: RemoteWriteUrlOptions = {}): RemoteWrite {
    return new RemoteWrite(url, options.tenantHeader ?? THANOS_TENANT_HEADER, options.tenant);
  }

  private constructor(
    /** The write URL. */
    public readonly url: string,
    /** The tenant header name. */
    public readonly tenantHeader: string,
    /** The tenant, if given. */
    public readonly tenant?: string,
    /** The Receive of the app, when it is one. */
    public readonly target?: IRemoteWriteApi,
  ) {}

  /** @internal The peer and port a NetworkPolicy must open: the app's Receive, or any address on the URL's port. */
  public _egress(): { peer: INetworkPeer; port: number } | undefined {
    if (this.target) return { peer: this.target, port: this.target.remoteWritePort };
    const port = urlPort(this.url);
    return port === undefined ? undefined : { peer: NetworkPeer.anywhere(), port };
  }

  /** @internal Prometheus' `remote_write` entry (remote-write 1.0, Prometheus' default protobuf message). */
  public _toYaml(): object {
    return { url: this.url, ...(this.tenant ? { headers: { [this.tenantHeader]: this.tenant } } : {}) };
  }

  /** @internal */
  public _problems(): string[] {
    const problems: string[] = [];
    if (urlPort(this.url) === undefined) {
      problems.push(`remoteWrite url ${JSON.stringify(this.url)} is not an http(s) URL: give e.g. "https://receive.example.com/api/v1/receive"`);
    }
    // RFC 7230 token: what an HTTP header name may contain.
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(this.tenantHeader)) {
      problems.push(`remoteWrite tenantHeader ${JSON.stringify(this.tenantHeader)} is not an HTTP header name: use letters, digits and '-'`);
    }
    if (this.tenant !== undefined && (!this.tenant || /[\r\n]/.test(this.tenant))) {
      problems.push(`remoteWrite tenant ${JSON.stringify(this.tenant)} is not a header value: give a non-empty single-line tenant id`);
    }
    return problems;
  }
}

/** The port of an http(s) URL (80/443 when not written); undefined when it is not one. */
function urlPort(url: string): number | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}
