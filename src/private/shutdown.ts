/**
 * How a pod leaves without failing requests. On deletion the kubelet runs each container's preStop hook, then
 * sends SIGTERM, and SIGKILLs whatever still runs when terminationGracePeriodSeconds (counted from the start,
 * preStop included) is over. Meanwhile the endpoints controller marks the pod not ready, and clients stop
 * sending to it only once they see that: the preStop sleep keeps the server fully up until then.
 */
import { k8s } from 'cdk8s-plus-27';

/** Who finds the pod, and so how long clients keep sending to it after it is marked for deletion. */
export enum Discovery {
  /** Through a ClusterIP Service: kube-proxy on every node reprograms within seconds. */
  SERVICE = 'service',
  /**
   * By DNS (headless Service): Thanos re-resolves `dnssrv+`/`dns+` endpoints every 30s
   * (`--store.sd-dns-interval`, `--alertmanagers.sd-dns-interval`), on top of CoreDNS' record TTL.
   */
  DNS = 'dns',
}

/** Seconds each kind of client needs to drop a pod marked for deletion. */
const DRAIN_SECONDS: { readonly [D in Discovery]: number } = { service: 10, dns: 40 };

/**
 * Thanos' `--grpc-grace-period` and `--http-grace-period` default (2m, thanos-flags of v0.42.4): how long each
 * server waits for in-flight requests after SIGTERM before it closes them.
 */
export const THANOS_GRACE_SECONDS = 120;
/** What a binary does after its servers stop (closing the TSDB and bucket clients, flushing logs). */
const EXIT_MARGIN_SECONDS = 10;

/** What a container needs to leave cleanly. */
export interface Shutdown {
  /** The preStop hook, when clients need time to drop the pod. */
  readonly lifecycle?: k8s.Lifecycle;
  /** The pod's terminationGracePeriodSeconds for this container. */
  readonly graceSeconds: number;
}

/**
 * The preStop drain and grace period of a server. Thanos stops its servers one after the other (oklog/run
 * calls each actor's interrupt in turn; pkg/server/grpc GracefulStop and pkg/server/http Shutdown each wait up
 * to their own grace period), so the grace period is the drain, plus the sum of the servers' grace periods,
 * plus a margin to exit: a shorter one SIGKILLs the second server mid-drain.
 * The drain is an exec of `sleep`, which the busybox-based Thanos, Prometheus and reloader images ship
 * (Dockerfiles: `FROM quay.io/prometheus/busybox`): `lifecycle.preStop.sleep` is beta only since Kubernetes
 * 1.30 and the output targets 1.27. With an image without `sleep` (a distroless build) the hook fails and the
 * kubelet goes on to SIGTERM: a shorter drain, nothing worse.
 * @param servers grace period of each server the binary shuts down, in seconds
 */
export function serverShutdown(discovery: Discovery | undefined, servers: number[]): Shutdown {
  const drain = discovery ? DRAIN_SECONDS[discovery] : 0;
  return {
    ...(discovery ? { lifecycle: { preStop: { exec: { command: ['sleep', String(drain)] } } } } : {}),
    graceSeconds: drain + servers.reduce((a, b) => a + b, 0) + EXIT_MARGIN_SECONDS,
  };
}

/** Seconds in a Go duration flag value (`2m`, `90s`, `1m30s`), or undefined when it is not one. */
export function goDurationSeconds(value: string): number | undefined {
  const m = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?$/.exec(value);
  if (!m || value === '') return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}
