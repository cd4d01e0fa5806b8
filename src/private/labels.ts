/** Kubernetes recommended labels, shared by every component. */
export type Labels = { readonly [key: string]: string };

/** What identifies one component instance. */
export interface ComponentIdentity {
  /** `app.kubernetes.io/name`: the kind of thing, e.g. `thanos-query` (matched by the Thanos mixin). */
  readonly name: string;
  /** `app.kubernetes.io/instance`: the object name, unique per instance, e.g. `prometheus-eu1`. */
  readonly instance: string;
  /** `app.kubernetes.io/component`: its role in the stack. */
  readonly component: string;
}

export const PART_OF = 'thanos';
export const MANAGED_BY = 'cdk8s-thanos';

/**
 * Selector labels. Never add a label here that can change between releases: selectors are
 * immutable on Deployments and StatefulSets.
 */
export function selectorLabels(id: ComponentIdentity): Labels {
  return { 'app.kubernetes.io/name': id.name, 'app.kubernetes.io/instance': id.instance };
}

/** Every label an object of the component carries (selector labels plus descriptive ones). */
export function componentLabels(id: ComponentIdentity, image?: string): Labels {
  const version = image ? imageTag(image) : undefined;
  return {
    ...selectorLabels(id),
    'app.kubernetes.io/component': id.component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    ...(version ? { 'app.kubernetes.io/version': version } : {}),
  };
}

/** True when two label sets are equal, whatever the order of their keys. */
export function sameLabels(a: { [name: string]: string }, b: { [name: string]: string }): boolean {
  const key = (l: { [name: string]: string }) => JSON.stringify(Object.entries(l).sort());
  return key(a) === key(b);
}

/** The tag of an image reference, when it is a valid label value. */
function imageTag(image: string): string | undefined {
  const afterSlash = image.slice(image.lastIndexOf('/') + 1);
  const colon = afterSlash.indexOf(':');
  if (colon < 0) return undefined;
  const tag = afterSlash.slice(colon + 1).split('@')[0];
  return /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(tag) ? tag : undefined;
}
