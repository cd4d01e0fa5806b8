/**
 * The memory rule every container follows: what a container holds in memory by configuration (caches,
 * pools) plus the Go runtime's working share fit inside its memory limit, and the Go memory limit is set
 * from that budget, not discovered at run time.
 */
import { k8s } from 'cdk8s-plus-27';
import { Resources } from '../config/resources';

/**
 * Share of the limit left outside the Go heap: GOMEMLIMIT counts only memory the Go runtime maps, while the
 * cgroup also charges mmap'd files (store index-headers, TSDB chunks) and page cache (Go GC guide,
 * "Memory limit": leave headroom for memory the runtime does not manage). Same 0.9 ratio as Thanos'
 * `--auto-gomemlimit.ratio` and Prometheus' `--auto-gomemlimit.ratio` defaults.
 */
export const OUTSIDE_GO_SHARE = 0.1;
/**
 * Share of the limit the heap keeps beside configured caches for per-request work (postings decoding,
 * series sets, gRPC buffers, PromQL evaluation): caches may hold at most the rest, half the limit.
 */
export const WORKING_SHARE = 0.4;
/** Default share of the limit given to one in-memory cache when its size is not set. */
export const DEFAULT_CACHE_SHARE = 0.25;

/** The Go memory limit of a container: its memory limit less the share outside the Go heap. */
export function goMemLimitMiB(resources: Resources): number {
  return Math.floor(resources._memoryLimitMiB() * (1 - OUTSIDE_GO_SHARE));
}

/** What the heap keeps for per-request work, in whole MiB. */
export function workingMiB(resources: Resources): number {
  return Math.floor(resources._memoryLimitMiB() * WORKING_SHARE);
}

/** The most configured caches may hold: the Go memory limit less the working share. */
export function cacheBudgetMiB(resources: Resources): number {
  return goMemLimitMiB(resources) - workingMiB(resources);
}

/** A default cache size: a fixed share of the memory limit, in whole MiB. */
export function defaultCacheMiB(resources: Resources, share = DEFAULT_CACHE_SHARE): number {
  return Math.floor(resources._memoryLimitMiB() * share);
}

/**
 * `GOMEMLIMIT` (read by the Go runtime itself, runtime/debug.SetMemoryLimit docs): the GC works harder as
 * the heap nears it instead of letting the kernel OOM-kill the pod at the cgroup limit.
 */
export function goMemLimitEnv(resources: Resources): k8s.EnvVar {
  return { name: 'GOMEMLIMIT', value: `${goMemLimitMiB(resources)}MiB` };
}

/** One configured in-memory holder of a container. */
export interface MemoryReservation {
  /** Prop path and what it is, e.g. 'indexCache (in-memory index cache)'. */
  readonly what: string;
  readonly mib: number;
}

/** Problems when the caches of one container do not leave the Go runtime its working share. */
export function memoryFitProblems(container: string, resources: Resources, caches: MemoryReservation[]): string[] {
  const total = caches.reduce((sum, c) => sum + c.mib, 0);
  const budget = cacheBudgetMiB(resources);
  if (total <= budget) return [];
  const parts = caches.map((c) => `${c.what} ${c.mib}MiB`).join(' + ');
  return [
    `${container}: ${parts} = ${total}MiB of in-memory caches do not fit a ${resources._memoryLimitMiB()}Mi memory limit: ` +
      `caches may hold at most ${budget}MiB (the Go runtime keeps ${WORKING_SHARE * 100}% for query work and ${OUTSIDE_GO_SHARE * 100}% stays outside its heap), ` +
      'or the pod thrashes in GC and is OOM-killed once they fill; lower the cache sizes or raise resources',
  ];
}
