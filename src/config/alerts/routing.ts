import { Receiver, Route } from '../alertmanager-config';

/** The receiver the Watchdog goes to; name a receiver of yours so (e.g. a dead-man switch webhook) to get it. */
export const WATCHDOG_RECEIVER = 'watchdog';

/** What the stack's Alertmanager routes, given the user's receivers and route. */
export interface StackRouting {
  readonly receivers: Receiver[];
  readonly route?: Route;
}

/**
 * The default routing with the stack's alerts on: the Watchdog to its own receiver (yours when one is
 * named `watchdog`, else one that notifies nobody), everything else to the first of your receivers.
 * A route of your own is kept as it is.
 */
export function stackRouting(receivers: Receiver[] | undefined, route: Route | undefined): StackRouting {
  const own = receivers ?? [Receiver.none('default')];
  if (route) return { receivers: own, route };
  const watchdog = own.find((r) => r.name === WATCHDOG_RECEIVER);
  const all = watchdog ? own : [...own, Receiver.none(WATCHDOG_RECEIVER)];
  const main = own.find((r) => r.name !== WATCHDOG_RECEIVER) ?? all[0];
  return {
    receivers: all,
    route: new Route({
      receiver: main.name,
      groupBy: ['alertname', 'cluster'],
      routes: [new Route({ matchers: ['alertname="Watchdog"'], receiver: WATCHDOG_RECEIVER })],
    }),
  };
}

/** Why the stack's alerts reach nobody, or undefined when a receiver other than the Watchdog's notifies someone. */
export function unreachedReason(routing: StackRouting): string | undefined {
  const notifying = routing.receivers.filter((r) => r.kind !== 'none' && r.name !== WATCHDOG_RECEIVER);
  if (notifying.length) return undefined;
  return 'no Alertmanager receiver notifies anyone (every receiver is Receiver.none): give alertmanager.receivers a Slack, PagerDuty, email or webhook receiver (README "Alerts that reach someone")';
}
