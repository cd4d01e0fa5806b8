/**
 * Every invariant that spans constructs, stated once: what must hold between the objects of a chart, the
 * components of an app and the jobs of one Prometheus, and the name lengths Kubernetes' own rules allow.
 * Checks of one construct (a prop's grammar, a component's own option combinations) stay with it.
 *
 * `registerInvariants` arms the checks, once per chart and once per app. An app-wide problem is reported
 * by the construct that has to change (`invariantProblems`, called from its own problems), so the error
 * names it as its other problems do.
 */
import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { sameLabels } from './labels';
import type { CompactorShard } from '../components/thanos-compactor';
import type { IObjectStorage } from '../wiring/object-storage';

// Name lengths: k8s.io/apimachinery/pkg/util/validation (kubernetes.io, "Object Names and IDs" and "Labels and Selectors").

/** An RFC 1123 label (DNS1123LabelMaxLength): Service and Namespace names, volume names, pod hostnames. */
export const DNS_LABEL_MAX_LENGTH = 63;
/** An RFC 1123 subdomain (DNS1123SubdomainMaxLength): the names of most other objects, and Secret and ConfigMap keys. */
export const DNS_SUBDOMAIN_MAX_LENGTH = 253;
/** A label value (LabelValueMaxLength). */
export const LABEL_VALUE_MAX_LENGTH = 63;
/** The name part of a label key (qualifiedNameMaxLength). */
export const QUALIFIED_NAME_MAX_LENGTH = 63;

/**
 * The hash in a ControllerRevision's name: a uint32 in decimal, each digit mapped to one safe character
 * (`HashControllerRevision` and `ControllerRevisionName`, kubernetes pkg/controller/history/controller_history.go).
 */
const REVISION_HASH_MAX_LENGTH = String(2 ** 32 - 1).length;

/**
 * Longest StatefulSet name: its pods are labelled `controller-revision-hash: <name>-<hash>`, and a longer
 * value than a label takes means the controller creates no pod at all (kubernetes/kubernetes#64023).
 */
export const MAX_STATEFULSET_NAME = LABEL_VALUE_MAX_LENGTH - '-'.length - REVISION_HASH_MAX_LENGTH;

/**
 * Longest Job name: the Job controller labels its pods `job-name: <name>`, so the name is a label value
 * (kubernetes.io, Jobs, "Writing a Job spec").
 */
export const MAX_JOB_NAME = LABEL_VALUE_MAX_LENGTH;

/** Longest name that still fits `max` with `affix` added, e.g. a Service named `<name>-thanos-sidecar`. */
export function maxNameWith(affix: string, max = DNS_LABEL_MAX_LENGTH): number {
  return max - affix.length;
}

// Registration.

/** What a construct is to the app-wide invariants. */
export enum Part {
  PROMETHEUS,
  RULER,
  COMPACTOR,
}

/** A writer of series and blocks identified by its external labels (a Prometheus, a ruler). */
export interface LabelledSource extends IConstruct {
  readonly externalLabels: { [name: string]: string };
  readonly replicaLabel: string;
  readonly objectStorage?: IObjectStorage;
}

/** A compactor of one bucket, owning all of it or one shard. */
export interface BucketCompactor extends IConstruct {
  readonly objectStorage: IObjectStorage;
  readonly shard?: CompactorShard;
}

const parts = new WeakMap<IConstruct, Part>();

/** Declares what `c` is to the app-wide invariants, so that they find it among the app's constructs. */
export function takePart(c: LabelledSource, part: Part.PROMETHEUS | Part.RULER): void;
export function takePart(c: BucketCompactor, part: Part.COMPACTOR): void;
export function takePart(c: IConstruct, part: Part): void {
  parts.set(c, part);
}

const armedCharts = new WeakSet<Chart>();
const armedApps = new WeakSet<IConstruct>();

/**
 * Arms the invariant checks of `scope`'s chart and app, each once, whoever asks first: the constructs a
 * user places (every component, through its base class, and the object stores) call it.
 */
export function registerInvariants(scope: IConstruct): void {
  const chart = Chart.of(scope);
  if (!armedCharts.has(chart)) {
    armedCharts.add(chart);
    chart.node.addValidation({ validate: () => uniqueObjectNames(chart) });
  }
  const root = scope.node.root;
  if (!armedApps.has(root)) {
    armedApps.add(root);
    // A new validation pass: the app validates before any construct in it (cdk8s' App validate() walks
    // findAll(), which is pre-order from the app itself), so each pass checks the app as it is now.
    root.node.addValidation({
      validate: () => {
        results.delete(root);
        return [];
      },
    });
  }
}

type Violations = Map<IConstruct, string[]>;

/** An app-wide invariant: the problems it finds, by the construct (of part `at`) that reports them. */
interface Invariant {
  readonly at: Part;
  readonly check: (app: IConstruct) => Violations;
}

/** This validation pass's results, per app and invariant, each computed once, when first asked for. */
const results = new WeakMap<IConstruct, Map<Invariant, Violations>>();

/**
 * The app-wide invariants `c` breaks. Computed when its own problems ask, so that a TypeError from mistyped
 * props is handled there as any of its problems' is.
 */
export function invariantProblems(c: IConstruct): string[] {
  const app = c.node.root;
  const part = parts.get(c);
  let found = results.get(app);
  if (!found) results.set(app, (found = new Map()));
  const problems: string[] = [];
  for (const invariant of APP_INVARIANTS) {
    if (invariant.at !== part) continue;
    let violations = found.get(invariant);
    if (!violations) found.set(invariant, (violations = invariant.check(app)));
    problems.push(...(violations.get(c) ?? []));
  }
  return problems;
}

/** The constructs of the app of these parts, in tree order (the first one found reports what concerns a set). */
function partsOf<T extends IConstruct>(app: IConstruct, ...of: Part[]): T[] {
  return app.node.findAll().filter((c) => of.includes(parts.get(c)!)) as T[];
}

function add(v: Violations, c: IConstruct, problem: string): void {
  v.set(c, [...(v.get(c) ?? []), problem]);
}

// The invariants of a chart.

/** Built-in kinds without a namespace: one object of a name per cluster, whatever the chart's namespace. */
export const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'StorageClass',
  'CustomResourceDefinition',
  'PriorityClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'APIService',
  'CSIDriver',
  'IngressClass',
  'RuntimeClass',
]);

/**
 * One object per kind, name and namespace in a chart: the second silently replaces the first when
 * applied. Only within a chart: the charts of one app are often different clusters (one file each, as in
 * examples/leaf-and-observer), where the same names are right.
 */
function uniqueObjectNames(chart: Chart): string[] {
  const seen = new Map<string, ApiObject>();
  const problems: string[] = [];
  for (const o of chart.node.findAll()) {
    if (!(o instanceof ApiObject)) continue;
    const ns = CLUSTER_SCOPED.has(o.kind) ? '' : (o.metadata.namespace ?? chart.namespace ?? '');
    const key = `${o.apiVersion}/${o.kind}/${ns}/${o.name}`;
    const first = seen.get(key);
    if (first) {
      problems.push(
        `${o.kind} ${JSON.stringify(o.name)} is defined by both ${first.node.path} and ${o.node.path}: applying one overwrites the other; give one of them another name`,
      );
    } else {
      seen.set(key, o);
    }
  }
  return problems;
}

// The invariants of an app.

const APP_INVARIANTS: Invariant[] = [
  { at: Part.PROMETHEUS, check: uniquePrometheusLabels },
  { at: Part.PROMETHEUS, check: replicaLabelsApart },
  { at: Part.RULER, check: uniqueRulerLabels },
  { at: Part.COMPACTOR, check: compactorsPerBucket },
];

/**
 * Two sources with one label set collide anywhere in the app (a querier may see both), unless each
 * uploads to a bucket of its own: then their blocks cannot overlap, e.g. the default ruler of two
 * clusters with their own buckets.
 */
function collides(a: LabelledSource, b: LabelledSource): boolean {
  if (a === b || !sameLabels(a.externalLabels, b.externalLabels)) return false;
  return !(a.objectStorage && b.objectStorage && a.objectStorage.bucketId !== b.objectStorage.bucketId);
}

/** Where two sources share a label set, and the twin each is reported against (the first in tree order). */
function twins(reporters: LabelledSource[], candidates: LabelledSource[]): Array<[LabelledSource, LabelledSource]> {
  return reporters.flatMap((s): Array<[LabelledSource, LabelledSource]> => {
    const twin = candidates.find((c) => collides(c, s));
    return twin ? [[s, twin]] : [];
  });
}

/** Every Prometheus has a label set of its own: blocks of two with one set overlap in the bucket, and queriers merge their series. */
function uniquePrometheusLabels(app: IConstruct): Violations {
  const v: Violations = new Map();
  const prometheus = partsOf<LabelledSource>(app, Part.PROMETHEUS);
  for (const [p, twin] of twins(prometheus, prometheus)) {
    add(
      v,
      p,
      `external labels ${JSON.stringify(p.externalLabels)} are the same as those of ${twin.node.path}${p.objectStorage ? `, on the same bucket ${p.objectStorage.bucketId}` : ''}: every Prometheus needs a unique set, or their blocks overlap in the bucket; change a label value (e.g. cluster)`,
    );
  }
  return v;
}

/** A ruler writes series and blocks too: its label set differs from every Prometheus' and every other ruler's. */
function uniqueRulerLabels(app: IConstruct): Violations {
  const v: Violations = new Map();
  for (const [r, twin] of twins(partsOf<LabelledSource>(app, Part.RULER), partsOf<LabelledSource>(app, Part.PROMETHEUS, Part.RULER))) {
    add(
      v,
      r,
      `external labels ${JSON.stringify(r.externalLabels)} are the same as those of ${twin.node.path}${r.objectStorage ? `, on the same bucket ${r.objectStorage.bucketId}` : ''}: the ruler needs a set of its own, or its series and blocks overlap with those; change a label value`,
    );
  }
  return v;
}

/** A Prometheus' replica label is no other Prometheus' external label: queriers deduplicate on it. */
function replicaLabelsApart(app: IConstruct): Violations {
  const v: Violations = new Map();
  const prometheus = partsOf<LabelledSource>(app, Part.PROMETHEUS);
  for (const p of prometheus) {
    const merged = prometheus.find((c) => c !== p && p.replicaLabel in c.externalLabels);
    if (merged) {
      add(
        v,
        p,
        `replicaLabel ${JSON.stringify(p.replicaLabel)} is an external label of ${merged.node.path}, where it tells Prometheus instances apart: queriers would deduplicate them as replicas of one; use another replica label (e.g. "replica")`,
      );
    }
  }
  return v;
}

/**
 * One compactor per bucket, or shards of it that are disjoint and together cover every source uploading
 * to it: compactors take no lock on the bucket, so two on one block corrupt it, and a block no shard owns
 * is never compacted.
 */
function compactorsPerBucket(app: IConstruct): Violations {
  const v: Violations = new Map();
  const compactors = partsOf<BucketCompactor>(app, Part.COMPACTOR);
  const everything = app.node.findAll();
  for (const c of compactors) {
    const problems = shardProblems(c, compactors, everything);
    if (problems.length) v.set(c, problems);
  }
  return v;
}

function shardProblems(self: BucketCompactor, compactors: BucketCompactor[], everything: IConstruct[]): string[] {
  const bucket = self.objectStorage.bucketId;
  const all = compactors.filter((c) => c.objectStorage.bucketId === bucket);
  const mine = self.shard;
  const problems: string[] = [];
  for (const twin of all.filter((c) => c !== self)) {
    const theirs = twin.shard;
    if (!mine || !theirs) {
      problems.push(
        `bucket ${bucket} is also compacted by ${twin.node.path}: two compactors on one bucket corrupt it unless each owns a disjoint shard; keep one ThanosCompactor per bucket or give each a shard (CompactorShard.byLabel)`,
      );
    } else if (mine.label !== theirs.label) {
      problems.push(
        `shard ${mine._describe()} and ${twin.node.path}'s shard ${theirs._describe()} split on different labels, so a block can be in both: shard every compactor of the bucket on the same label`,
      );
    } else {
      const shared = mine.values.filter((x) => theirs.values.includes(x));
      if (shared.length)
        problems.push(
          `shard ${mine._describe()} overlaps ${twin.node.path}'s shard ${theirs._describe()} on ${JSON.stringify(shared)}: two compactors on one block corrupt the bucket; give each value to one shard only`,
        );
    }
  }
  // Gaps: reported by the first shard of the bucket, against every block source of the app uploading to it.
  if (mine && all[0] === self && problems.length === 0) {
    const owned = new Set(all.flatMap((c) => (c.shard?.label === mine.label ? c.shard.values : [])));
    const sources = everything.filter(
      (c): c is IConstruct & { externalLabels: { [k: string]: string }; objectStorage?: IObjectStorage } =>
        parts.get(c) !== Part.COMPACTOR &&
        typeof (c as { externalLabels?: unknown }).externalLabels === 'object' &&
        (c as { objectStorage?: IObjectStorage }).objectStorage?.bucketId === bucket,
    );
    for (const s of sources) {
      const value = s.externalLabels[mine.label];
      if (value === undefined) {
        problems.push(
          `${s.node.path} uploads blocks without the shard label ${JSON.stringify(mine.label)}, so no compactor shard compacts them: give it that external label, or shard on a label every source has`,
        );
      } else if (!owned.has(value)) {
        problems.push(
          `${s.node.path} uploads blocks with ${mine.label}=${JSON.stringify(value)}, which no compactor shard owns: add ${JSON.stringify(value)} to a shard's values`,
        );
      }
    }
  }
  return problems;
}

// The invariants of one Prometheus.

/**
 * Scrape job names are unique in a Prometheus: it refuses to load a config that repeats one ("found multiple
 * scrape configs with job name", prometheus config/config.go).
 * @param generated the names this Prometheus and `scrape()` generate, named in the fix
 */
export function uniqueScrapeJobNames(jobNames: string[], generated: string[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const name of jobNames) {
    if (seen.has(name)) {
      const whose = generated.includes(name) ? ", a job the stack generates (see the README's list of generated job names)" : '';
      problems.push(
        `scrape job ${JSON.stringify(name)} is defined twice${whose}: Prometheus refuses to load a config with duplicate job_name; give the job you added another name (e.g. ${JSON.stringify(`${name}-extra`)}), or add each target once`,
      );
    }
    seen.add(name);
  }
  return problems;
}
