/**
 * TLS on a Thanos gRPC server (sidecar, store gateway), for StoreAPIs reached from other clusters.
 */
import { ISecret, k8s } from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { secretKeyProblems } from '../private/problems';
import { requireSecret } from '../output/prerequisites';

/** Where the server's Secret is mounted; the whole Secret, so rotated files reach the pod. */
const MOUNT_PATH = '/etc/thanos/grpc-server-tls';
const VOLUME = 'grpc-server-tls';

/** Options of `GrpcServerTls.fromSecret`. */
export interface GrpcServerTlsOptions {
  /**
   * Key of the server certificate (PEM, chain included).
   * @default 'tls.crt'
   */
  readonly certKey?: string;
  /**
   * Key of the server certificate's private key.
   * @default 'tls.key'
   */
  readonly keyKey?: string;
  /**
   * Key of the CA bundle client certificates must chain to. Setting it turns on mutual TLS: the
   * server refuses clients without a certificate from that CA.
   * @default - no client verification (server TLS only)
   */
  readonly clientCaKey?: string;
}

/**
 * TLS for a component's gRPC server (`--grpc-server-tls-*`). The files come from a Secret you own,
 * in the layout cert-manager writes (`tls.crt`, `tls.key`, `ca.crt`), mounted read-only. Thanos
 * reloads the certificate and key when they change; a new client CA needs a pod restart.
 */
export class GrpcServerTls {
  /** Certificate, key and optionally the client CA, from keys of an existing Secret. */
  public static fromSecret(secret: ISecret, options: GrpcServerTlsOptions = {}): GrpcServerTls {
    return new GrpcServerTls(secret.name, options.certKey ?? 'tls.crt', options.keyKey ?? 'tls.key', options.clientCaKey);
  }

  private constructor(
    /** Name of the Secret holding the files. */
    public readonly secretName: string,
    /** @internal */ public readonly _certKey: string,
    /** @internal */ public readonly _keyKey: string,
    /** @internal */ public readonly _clientCaKey?: string,
  ) {}

  /** True when clients must present a certificate (mutual TLS). */
  public get mutual(): boolean {
    return this._clientCaKey !== undefined;
  }

  /** The Secret keys read. */
  public get keys(): string[] {
    return [...new Set([this._certKey, this._keyKey, ...(this._clientCaKey !== undefined ? [this._clientCaKey] : [])])];
  }

  /**
   * @internal The flags, volume and mount of a server container; declares the Secret as a
   * prerequisite of `consumer`.
   */
  public _bind(consumer: IConstruct, purpose: string): { args: string[]; volume: k8s.Volume; volumeMount: k8s.VolumeMount } {
    requireSecret(consumer, { name: this.secretName, keys: this.keys, purpose });
    return {
      args: [
        `--grpc-server-tls-cert=${MOUNT_PATH}/${this._certKey}`,
        `--grpc-server-tls-key=${MOUNT_PATH}/${this._keyKey}`,
        ...(this._clientCaKey !== undefined ? [`--grpc-server-tls-client-ca=${MOUNT_PATH}/${this._clientCaKey}`] : []),
      ],
      volume: { name: VOLUME, secret: { secretName: this.secretName } },
      volumeMount: { name: VOLUME, mountPath: MOUNT_PATH, readOnly: true },
    };
  }

  /** @internal */
  public _problems(): string[] {
    const problems: string[] = [];
    const keys: Array<[string, string | undefined]> = [
      ['certKey', this._certKey],
      ['keyKey', this._keyKey],
      ['clientCaKey', this._clientCaKey],
    ];
    for (const [what, key] of keys) {
      if (key !== undefined) problems.push(...secretKeyProblems(`gRPC server TLS ${what}`, key));
    }
    if (this._certKey === this._keyKey) {
      problems.push(`gRPC server TLS certKey and keyKey are both ${JSON.stringify(this._certKey)}: certificate and private key are two files; give two keys`);
    }
    return problems;
  }
}

/**
 * A StoreAPI that may serve gRPC over TLS. Not exported: each implementing class declares
 * `grpcServerTls` itself, so other languages see the property without this interface.
 * @jsii ignore
 */
export interface IGrpcTlsServer {
  /**
   * The server TLS, when on.
   * @default - plain gRPC
   */
  readonly grpcServerTls?: GrpcServerTls;
}

/** The server TLS of a StoreAPI, if it has any. */
export function grpcServerTlsOf(x: unknown): GrpcServerTls | undefined {
  const tls = (x as IGrpcTlsServer | undefined)?.grpcServerTls;
  return tls instanceof GrpcServerTls ? tls : undefined;
}
