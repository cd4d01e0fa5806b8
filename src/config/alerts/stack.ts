import { Construct } from 'constructs';
import { RuleGroup } from '../rules';
import { AlertThresholds } from './common';
import { alertmanagerAlerts } from './alertmanager';
import { compactorAlerts } from './thanos-compactor';
import { prometheusDownAlert, watchdogAlerts } from './global';
import { prometheusAlerts, remoteWriteAlerts, sidecarAlerts } from './prometheus';
import { receiveAlerts } from './thanos-receive';
import { cacheAlerts } from './caches';
import { queryAlerts, queryFrontendAlerts } from './thanos-query';
import { rulerAlerts } from './thanos-ruler';
import { bucketWebAlerts, minioAlerts, seaweedfsAlerts } from './storage';
import { storeAlerts } from './thanos-store';
import type { IScrapeTarget } from '../../wiring/apis';
import type { IRuleGroupSource } from '../../components/prometheus-operator';

/** Anything rule groups can be added to (Prometheus, the ruler, the operator's rule source). */
export interface IRuleGroupSink {
  addRuleGroup(group: RuleGroup): void;
}

/** The stack's components, as the alerts see them. */
export interface AlertedComponents {
  readonly minio?: IScrapeTarget;
  readonly store?: IScrapeTarget;
  readonly compactor?: IScrapeTarget;
  readonly bucketWeb?: IScrapeTarget;
  readonly alertmanager?: IScrapeTarget;
  readonly query?: IScrapeTarget;
  readonly queryFrontend?: IScrapeTarget;
  readonly ruler?: IScrapeTarget;
  /** The ruler sends to an Alertmanager (the stack's or one given by URL). */
  readonly rulerAlerting: boolean;
  readonly seaweedfs?: IScrapeTarget;
  /** The Receive router, its ingestors and how they are set up. */
  readonly receive?: {
    readonly router: IScrapeTarget;
    readonly ingestors: IScrapeTarget;
    readonly replicationFactor: number;
    readonly uploads: boolean;
  };
  /** The memcached clusters and the components that use them. */
  readonly caches?: {
    readonly servers: IScrapeTarget[];
    readonly stores: IScrapeTarget[];
    readonly frontends: IScrapeTarget[];
  };
}

/** A Prometheus with what its alerts depend on. */
export interface AlertedPrometheus {
  readonly name: string;
  readonly scrapeEndpoints: IScrapeTarget['scrapeEndpoints'];
  /** Set when it ships samples by remote write instead of a sidecar. */
  readonly remoteWrite?: unknown;
}

const jobOf = (c: IScrapeTarget): string => c.scrapeEndpoints[0].jobName;

/** Groups about one Prometheus and its sidecar: evaluated where the samples are, on that Prometheus. */
export function perPrometheusGroups(p: AlertedPrometheus, alerting: boolean, uploads: boolean, t: AlertThresholds): RuleGroup[] {
  // A Prometheus that remote-writes instead (Receive) has no sidecar endpoint.
  const [self, sidecar] = p.scrapeEndpoints;
  const targets = { name: p.name, prometheusJob: self.jobName, alerting, uploads };
  return [
    prometheusAlerts(targets, t),
    ...(sidecar ? [sidecarAlerts({ ...targets, sidecarJob: sidecar.jobName }, t)] : []),
    ...(p.remoteWrite ? [remoteWriteAlerts(targets, t)] : []),
  ];
}

/** Groups about the other components, evaluated by the Prometheus that scrapes them; plus the Watchdog. */
export function componentGroups(c: AlertedComponents, t: AlertThresholds): RuleGroup[] {
  return [
    watchdogAlerts(),
    ...(c.minio ? [minioAlerts(jobOf(c.minio), t)] : []),
    ...(c.store ? [storeAlerts(jobOf(c.store), t)] : []),
    ...(c.compactor ? [compactorAlerts(jobOf(c.compactor), t)] : []),
    ...(c.bucketWeb ? [bucketWebAlerts(jobOf(c.bucketWeb), t)] : []),
    ...(c.alertmanager ? [alertmanagerAlerts(jobOf(c.alertmanager), t)] : []),
    ...(c.query ? [queryAlerts(jobOf(c.query), t)] : []),
    ...(c.queryFrontend ? [queryFrontendAlerts(jobOf(c.queryFrontend), t)] : []),
    ...(c.ruler ? [rulerAlerts(jobOf(c.ruler), c.rulerAlerting, t)] : []),
    ...(c.seaweedfs ? [seaweedfsAlerts(jobOf(c.seaweedfs), t)] : []),
    ...(c.receive ? [receiveAlerts({ ...c.receive, routerJob: jobOf(c.receive.router), ingestorJob: jobOf(c.receive.ingestors) }, t)] : []),
    ...(c.caches?.servers.length ? [cacheAlerts(c.caches.servers.map(jobOf), c.caches.stores.map(jobOf), c.caches.frontends.map(jobOf), t)] : []),
  ];
}

/** The global-view group (on the ruler): a Prometheus none of whose replicas is up. */
export class AvailabilityGroup {
  public readonly group = new RuleGroup({ name: 'prometheus-availability', rules: [] });
  public add(p: AlertedPrometheus): void {
    this.group.addRule(prometheusDownAlert(p.scrapeEndpoints[0].jobName));
  }
}

/**
 * In prometheus-operator mode the operator's Prometheus scrapes every component through
 * ServiceMonitors, so it evaluates every stack alert, once, from one PrometheusRule.
 */
export class OperatorAlertSource extends Construct implements IRuleGroupSource, IRuleGroupSink {
  private readonly groups: RuleGroup[] = [];
  constructor(
    scope: Construct,
    id: string,
    public readonly name: string,
  ) {
    super(scope, id);
  }
  public get ruleGroups(): RuleGroup[] {
    return [...this.groups];
  }
  public addRuleGroup(group: RuleGroup): void {
    this.groups.push(group);
  }
}
