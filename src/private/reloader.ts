/**
 * The config-reloader sidecar: reloads a server in place when a mounted ConfigMap changes, instead of rolling
 * its pods on a checksum. The kubelet refreshes a ConfigMap volume in place (not a subPath mount); the reloader
 * notices (fsnotify, plus a full re-read every --watch-interval, 3m by default) and POSTs the reload URL.
 */
import { k8s } from 'cdk8s-plus-27';
import { NamedPort } from '../ports';
import { Resources } from '../config/resources';
import { container } from './kubernetes';
import { PROBE_TIMINGS, httpProbe } from './probes';
import { USERS } from './security';

/**
 * Its metrics and `/healthz` port (prometheus-operator's choice, 8080): the probes need a listener, and
 * cmd/prometheus-config-reloader/main.go serves `/healthz` only with `--listen-address` set.
 */
const RELOADER_PORT: NamedPort = { name: 'reloader-web', port: 8080 };

/** What the reloader needs: the image, what it watches and whom it reloads. */
export interface ConfigReloaderOptions {
  readonly image: string;
  readonly resources: Resources;
  /** Mounts of the watched volumes (read-only), each `mountPath` watched as a directory. */
  readonly watched: k8s.VolumeMount[];
  /** The server's reload endpoint, e.g. `http://127.0.0.1:10902/-/reload`. */
  readonly reloadUrl: string;
}

/**
 * prometheus-config-reloader (prometheus-operator, the reloader thanos-operator gives the ruler): it watches
 * each `--watched-dir` and POSTs `--reload-url` when their content hash changes (thanos-io/thanos
 * pkg/reloader, `triggerReload`). It honours the GOMEMLIMIT env the container builder sets (automemlimit
 * skips its own ratio when GOMEMLIMIT is set).
 */
export function configReloader(o: ConfigReloaderOptions): k8s.Container {
  return container({
    name: 'config-reloader',
    image: o.image,
    user: USERS.nobody,
    args: [`--listen-address=0.0.0.0:${RELOADER_PORT.port}`, `--reload-url=${o.reloadUrl}`, ...o.watched.map((m) => `--watched-dir=${m.mountPath}`)],
    ports: [RELOADER_PORT],
    volumeMounts: o.watched.map((m) => ({ ...m, readOnly: true })),
    probes: {
      livenessProbe: httpProbe('/healthz', RELOADER_PORT.name, PROBE_TIMINGS.liveness),
      readinessProbe: httpProbe('/healthz', RELOADER_PORT.name, PROBE_TIMINGS.readiness),
    },
    resources: o.resources,
  });
}
