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

/** The liveness/readiness pair on the conventional `/-/healthy` and `/-/ready` endpoints. */
export function healthyReadyProbes(portName: string, startup = false): Pick<k8s.Container, 'livenessProbe' | 'readinessProbe' | 'startupProbe'> {
  return {
    livenessProbe: httpProbe('/-/healthy', portName, PROBE_TIMINGS.liveness),
    readinessProbe: httpProbe('/-/ready', portName, PROBE_TIMINGS.readiness),
    ...(startup ? { startupProbe: httpProbe('/-/healthy', portName, PROBE_TIMINGS.slowStartup) } : {}),
  };
}
