import { k8s } from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { Placement } from '../config/placement';

/** The placement each component was given, read by the workload builders for every pod template under it. */
const PLACEMENTS = new WeakMap<IConstruct, Placement>();

export function setPlacement(component: IConstruct, placement: Placement | undefined): void {
  if (placement) PLACEMENTS.set(component, placement);
}

/** The pod spec fields of the placement of `scope`'s component. */
export function placementSpec(scope: IConstruct): Partial<k8s.PodSpec> {
  const p = PLACEMENTS.get(scope);
  if (!p) return {};
  return {
    ...(p.nodeSelector && Object.keys(p.nodeSelector).length ? { nodeSelector: { ...p.nodeSelector } } : {}),
    ...(p.tolerations?.length ? { tolerations: [...p.tolerations] } : {}),
    ...(p.affinity ? { affinity: p.affinity } : {}),
    ...(p.priorityClassName ? { priorityClassName: p.priorityClassName } : {}),
  };
}
