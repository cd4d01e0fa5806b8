import { Duration } from 'cdk8s';
import { promqlProblems } from '../private/promql';
import { promDuration } from '../private/units';

/** Properties of an alerting rule. */
export interface AlertingRuleProps {
  /** Alert name, e.g. `PrometheusDown`. */
  readonly alert: string;
  /** PromQL expression; the alert fires for every series it returns. */
  readonly expr: string;
  /**
   * How long the condition must hold before the alert fires (Prometheus' `for`: the alert is
   * pending until then).
   * @default - fires at once
   */
  readonly pendingFor?: Duration;
  /**
   * Labels added to the alert (e.g. `severity`).
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Annotations (e.g. `summary`, `description`, `runbook_url`).
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
}

/** Properties of a recording rule. */
export interface RecordingRuleProps {
  /** Name of the series to record, e.g. `job:up:sum`. */
  readonly record: string;
  /** PromQL expression. */
  readonly expr: string;
  /**
   * Labels added to the recorded series.
   * @default - none
   */
  readonly labels?: { [key: string]: string };
}

/** One rule of a rule group. */
export class Rule {
  /** An alerting rule. */
  public static alert(props: AlertingRuleProps): Rule {
    return new Rule({
      alert: props.alert,
      expr: props.expr,
      ...(props.pendingFor ? { for: promDuration(props.pendingFor) } : {}),
      ...(props.labels ? { labels: { ...props.labels } } : {}),
      ...(props.annotations ? { annotations: { ...props.annotations } } : {}),
    });
  }

  /** A recording rule. */
  public static record(props: RecordingRuleProps): Rule {
    return new Rule({ record: props.record, expr: props.expr, ...(props.labels ? { labels: { ...props.labels } } : {}) });
  }

  private constructor(private readonly body: { [key: string]: unknown }) {}

  /** The name (alert or record). */
  public get name(): string {
    return String(this.body.alert ?? this.body.record);
  }

  /** The PromQL expression. */
  public get expr(): string {
    return String(this.body.expr);
  }

  /** @internal */
  public _toYaml(): object {
    return this.body;
  }
}

/** Properties of a rule group. */
export interface RuleGroupProps {
  /** Group name, unique in its rule file; also names the file (`<name>.rules.yaml`). */
  readonly name: string;
  /** The rules, evaluated in order. */
  readonly rules: Rule[];
  /**
   * Evaluation interval.
   * @default - the global evaluation interval
   */
  readonly interval?: Duration;
}

/** A Prometheus rule group, rendered into its own rule file. */
export class RuleGroup {
  /** Group name. */
  public readonly name: string;
  private readonly rules: Rule[];

  /** @param props the group's name, rules and interval */
  constructor(private readonly props: RuleGroupProps) {
    this.name = props.name;
    this.rules = [...props.rules];
  }

  /** Appends a rule to the group. */
  public addRule(rule: Rule): void {
    this.rules.push(rule);
  }

  /** The rule file name in the rules ConfigMap. */
  public get fileName(): string {
    return `${this.props.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}.rules.yaml`;
  }

  /** @internal */
  public _toYaml(): object {
    return {
      groups: [
        {
          name: this.props.name,
          ...(this.props.interval ? { interval: promDuration(this.props.interval) } : {}),
          rules: this.rules.map((r) => r._toYaml()),
        },
      ],
    };
  }

  /**
   * Problems with the group (empty, duplicate names).
   * @internal
   */
  public _problems(): string[] {
    const problems: string[] = [];
    if (!this.props.name.trim()) problems.push('rule group name is empty: give every group a name');
    if (this.rules.length === 0) problems.push(`rule group ${JSON.stringify(this.props.name)} has no rules: add at least one Rule.alert() or Rule.record()`);
    for (const r of this.rules) {
      if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(r.name))
        problems.push(
          `rule ${JSON.stringify(r.name)} in group ${JSON.stringify(this.props.name)} is not a valid metric/alert name: match [a-zA-Z_:][a-zA-Z0-9_:]*`,
        );
      problems.push(...promqlProblems(`rule ${JSON.stringify(r.name)} in group ${JSON.stringify(this.props.name)}`, r.expr));
    }
    return problems;
  }
}

/** Problems across groups of one owner: file names must be unique. */
export function ruleGroupProblems(groups: RuleGroup[]): string[] {
  const seen = new Set<string>();
  const problems = groups.flatMap((g) => g._problems());
  for (const g of groups) {
    if (seen.has(g.fileName)) problems.push(`two rule groups render to ${g.fileName}: give them different names`);
    seen.add(g.fileName);
  }
  return problems;
}

/** The groups that hold at least one alerting rule: their owner needs an Alertmanager. */
export function alertingGroups(groups: RuleGroup[]): RuleGroup[] {
  return groups.filter((g) => (g._toYaml() as { groups: Array<{ rules: Array<{ alert?: string }> }> }).groups[0].rules.some((r) => r.alert !== undefined));
}
