import { Construct, IConstruct } from 'constructs';

/**
 * Wiring that depends on the whole app (a querier discovering every StoreAPI) runs once, before
 * anything renders: a NetworkPolicy rendered earlier than the querier's args must still see the
 * rules that discovery adds.
 */
const REGISTRY_ID = 'DeferredWiring';

class Registry extends Construct {
  public readonly pending: Array<() => void> = [];
}

/** Runs `wire` once the app is complete, before the first object that depends on wiring renders. */
export function deferWiring(scope: IConstruct, wire: () => void): void {
  const root = scope.node.root;
  const registry = (root.node.tryFindChild(REGISTRY_ID) as Registry | undefined) ?? new Registry(root as Construct, REGISTRY_ID);
  registry.pending.push(wire);
}

/** Runs every pending wiring function (and any they defer in turn). Idempotent. */
export function settleWiring(scope: IConstruct): void {
  const registry = scope.node.root.node.tryFindChild(REGISTRY_ID) as Registry | undefined;
  while (registry && registry.pending.length) registry.pending.shift()!();
}
