import { Size } from 'cdk8s';
import { Cpu, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Component } from '../private/component';
import { IScrapeTarget, ScrapeEndpoint } from '../wiring/apis';
import { DEFAULT_IMAGES } from '../images';
import { NamedPort, PORTS } from '../ports';
import { Resources } from '../config/resources';
import { PROBE_TIMINGS, ProbeTiming, httpProbe } from '../private/probes';
import { USERS } from '../private/security';
import { nameProblems, replicaProblems, validateWith } from '../private/problems';
import { MAX_STATEFULSET_NAME } from '../private/invariants';
import { container, namespaceOf, service, serviceAccount, serviceHost, statefulSet } from '../private/kubernetes';

/** Properties of `Memcached`. */
export interface MemcachedProps {
  /**
   * Name of the StatefulSet, headless Service, ServiceAccount and NetworkPolicy.
   * @default 'memcached'
   */
  readonly name?: string;
  /**
   * Servers; Thanos spreads keys over all of them (jump hash over the SRV targets).
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Cache memory per server (`-m`); the container's memory request is this plus a 10% (at least 64 MiB) overhead.
   * @default Size.mebibytes(1024)
   */
  readonly cacheSize?: Size;
  /**
   * Largest item (`-I`); Thanos' memcached client skips larger ones (its `max_item_size` defaults to 1 MiB).
   * @default Size.mebibytes(1)
   */
  readonly maxItemSize?: Size;
  /**
   * Simultaneous connections per server (`-c`).
   * @default 1024
   */
  readonly maxConnections?: number;
  /**
   * CPU request of the memcached container.
   * @default Cpu.millis(100)
   */
  readonly cpu?: Cpu;
  /**
   * Memcached image.
   * @default DEFAULT_IMAGES.memcached
   */
  readonly image?: string;
  /**
   * Image of the metrics exporter sidecar.
   * @default DEFAULT_IMAGES.memcachedExporter
   */
  readonly exporterImage?: string;
  /**
   * Render a default-deny NetworkPolicy admitting exactly the clients wired to it.
   * @default true
   */
  readonly networkPolicy?: boolean;
}

const DEFAULTS = {
  name: 'memcached',
  replicas: 1,
  cacheSize: Size.mebibytes(1024),
  maxItemSize: Size.mebibytes(1),
  maxConnections: 1024,
  cpu: Cpu.millis(100),
} as const;

/** memcached_exporter's default listen port (prometheus/memcached_exporter Dockerfile `EXPOSE 9150`). */
const METRICS: NamedPort = { name: 'metrics', port: 9150 };
/** The docker library image's `memcache` user (`adduser -u 11211`); the exporter image runs as `nobody`. */
const MEMCACHE_USER = 11211;

/**
 * Memcached for Thanos' caches (store index cache, caching bucket, frontend results and labels
 * caches): a StatefulSet with a headless Service, so `dnssrvnoa+` discovery yields stable pod names and
 * keys keep their server across restarts, plus the Prometheus memcached exporter as a sidecar.
 * Wire it with `IndexCache.memcached({ addresses: m.addresses, networkPeer: m })` and its siblings.
 */
export class Memcached extends Component implements IScrapeTarget {
  /** Server count. */
  public readonly replicas: number;
  /** Cache memory per server. */
  public readonly cacheSize: Size;
  /** Thanos address of every server: `dnssrvnoa+_memcached._tcp.<name>.<namespace>.svc`. */
  public readonly addresses: string[];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: MemcachedProps = {},
  ) {
    super(scope, id, {
      name: props.name ?? DEFAULTS.name,
      kind: 'memcached',
      component: 'cache',
      image: props.image ?? DEFAULT_IMAGES.memcached,
      networkPolicy: props.networkPolicy,
      resources: serverResources(props),
    });
    this.replicas = props.replicas ?? DEFAULTS.replicas;
    this.cacheSize = props.cacheSize ?? DEFAULTS.cacheSize;
    // The SRV record `_memcached._tcp.<service>` exists because the Service port is named `memcached`.
    this.addresses = [`dnssrvnoa+_${PORTS.memcached.name}._tcp.${serviceHost(this, this.name)}`];

    const { image, labels, selector } = this;
    const cacheMiB = Math.floor(this.cacheSize.toMebibytes());
    const sa = serviceAccount(this, 'ServiceAccount', this.name, labels);
    const headless = service(this, 'Service', { name: this.name, labels, selector, headless: true, ports: [PORTS.memcached, METRICS] });

    // No HTTP endpoint: a TCP connect on the client port is what "up" means for memcached.
    const tcp = (timing: ProbeTiming): k8s.Probe => ({ tcpSocket: { port: k8s.IntOrString.fromString(PORTS.memcached.name) }, ...timing });
    const memcached = container({
      name: 'memcached',
      // memcached is C: its memory is bounded by -m, not by a Go runtime.
      goRuntime: false,
      image,
      user: MEMCACHE_USER,
      // The image's entrypoint runs `memcached` with these args.
      args: [
        'memcached',
        `-m${cacheMiB}`,
        `-I${Math.floor((props.maxItemSize ?? DEFAULTS.maxItemSize).toKibibytes())}k`,
        `-c${props.maxConnections ?? DEFAULTS.maxConnections}`,
      ],
      ports: [PORTS.memcached],
      probes: { livenessProbe: tcp(PROBE_TIMINGS.liveness), readinessProbe: tcp(PROBE_TIMINGS.readiness) },
      resources: this.resources,
    });
    const exporter = container({
      name: 'exporter',
      image: props.exporterImage ?? DEFAULT_IMAGES.memcachedExporter,
      user: USERS.nobody,
      args: [`--memcached.address=localhost:${PORTS.memcached.port}`, `--web.listen-address=:${METRICS.port}`],
      ports: [METRICS],
      probes: {
        livenessProbe: httpProbe('/metrics', METRICS.name, PROBE_TIMINGS.liveness),
        readinessProbe: httpProbe('/metrics', METRICS.name, PROBE_TIMINGS.readiness),
      },
      resources: Resources.of({ cpu: Cpu.millis(10), memory: Size.mebibytes(32) }),
    });

    // Replicated: spread over nodes and zones, with a PodDisruptionBudget (the builder's).
    statefulSet(this, 'Resource', {
      name: this.name,
      replicas: this.replicas,
      serviceName: headless.name,
      labels,
      selector,
      user: MEMCACHE_USER,
      serviceAccountName: sa.name,
      containers: [memcached, exporter],
    });

    validateWith(this, () => this.problems());
  }

  /** The exporter's metrics. */
  public get scrapeEndpoints(): ScrapeEndpoint[] {
    return [{ jobName: this.name, serviceName: this.name, namespace: namespaceOf(this), port: METRICS }];
  }

  private problems(): string[] {
    const p = this.props;
    const problems = [...nameProblems('name', this.name, MAX_STATEFULSET_NAME), ...replicaProblems('replicas', this.replicas)];
    if (this.cacheSize.toMebibytes() < 64)
      problems.push(`cacheSize ${this.cacheSize.toMebibytes()}MiB is too small to be useful: give at least Size.mebibytes(64)`);
    const item = (p.maxItemSize ?? DEFAULTS.maxItemSize).toKibibytes();
    if (item < 1 || item > 1024 * 1024) problems.push(`maxItemSize ${item}KiB is outside what memcached accepts (1 KiB to 1 GiB): use e.g. Size.mebibytes(1)`);
    // memcached refuses to start with an item limit above half its memory.
    else if (item * 2 > this.cacheSize.toKibibytes())
      problems.push(`maxItemSize ${item}KiB is more than half of cacheSize: memcached refuses to start; raise cacheSize or lower maxItemSize`);
    const conns = p.maxConnections ?? DEFAULTS.maxConnections;
    if (!Number.isInteger(conns) || conns < 1) problems.push(`maxConnections ${conns} is not a connection limit: use a whole number >= 1`);
    return problems;
  }
}

/** A server's resources: its cache plus a tenth (at least 64 MiB) for connections and slab overhead. */
function serverResources(props: MemcachedProps): Resources {
  const cacheMiB = Math.floor((props.cacheSize ?? DEFAULTS.cacheSize).toMebibytes());
  return Resources.of({ cpu: props.cpu ?? DEFAULTS.cpu, memory: Size.mebibytes(cacheMiB + Math.max(64, Math.ceil(cacheMiB / 10))) });
}
