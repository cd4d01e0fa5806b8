import { k8s } from 'cdk8s-plus-27';

/**
 * Where a component's pods may run: the pod spec's own scheduling fields, rendered as given. Spread over nodes
 * and zones for replicated components stays on (soft) beside these.
 */
export interface Placement {
  /**
   * Node labels a node must carry (`nodeSelector`).
   * @default - any node
   */
  readonly nodeSelector?: { [key: string]: string };
  /**
   * Taints the pods tolerate.
   * @default - none
   */
  readonly tolerations?: k8s.Toleration[];
  /**
   * Node and pod (anti-)affinity.
   * @default - none
   */
  readonly affinity?: k8s.Affinity;
  /**
   * PriorityClass of the pods: what the scheduler preempts last.
   * @default - the cluster's default priority
   */
  readonly priorityClassName?: string;
}
