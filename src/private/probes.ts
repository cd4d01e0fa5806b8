import { k8s } from 'cdk8s-plus-27';

/** Timings of one probe. */
export interface ProbeTiming {
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
}

/** Timings every component starts from; components override what their start-up needs. */
export const PROBE_TIMINGS = {
  liveness: { periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 4 },
  readiness: { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
  /** Allows 10 minutes to start (60 x 10s): TSDB/WAL replay, initial block sync. */
  slowStartup: { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 60 },
} as const;

/** An HTTP GET probe on a named container port. */
export function httpProbe(path: string, portName: string, timing: ProbeTiming): k8s.Probe {
  return {
    httpGet: { path, port: k8s.IntOrString.fromString(portName), scheme: 'HTTP' },
    ...timing,
  };
}

/**
 * The liveness/readiness pair on the conventional `/-/healthy` and `/-/ready` endpoints, and optionally a
 * slow start-up probe on `startupPath`. Prometheus answers `/-/healthy` with 200 as soon as its web server
 * runs (web/web.go) and the Thanos store marks itself healthy when its HTTP server starts, before the
 * initial block sync (cmd/thanos/store.go): for them only `/-/ready` waits for start-up to finish.
 */
export function healthyReadyProbes(portName: string, startupPath?: string): Pick<k8s.Container, 'livenessProbe' | 'readinessProbe' | 'startupProbe'> {
  return {
    livenessProbe: httpProbe('/-/healthy', portName, PROBE_TIMINGS.liveness),
    readinessProbe: httpProbe('/-/ready', portName, PROBE_TIMINGS.readiness),
    ...(startupPath ? { startupProbe: httpProbe(startupPath, portName, PROBE_TIMINGS.slowStartup) } : {}),
  };
}
