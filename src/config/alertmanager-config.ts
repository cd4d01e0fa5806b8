/**
 * Typed Alertmanager configuration: receivers, the routing tree and inhibit rules, rendered to
 * `alertmanager.yml` (Alertmanager v0.34 field names). Credentials never appear in the file: they are
 * mounted from user-owned Secrets and referenced through Alertmanager's `*_file` fields.
 */
import { Duration } from 'cdk8s';
import { ISecret } from 'cdk8s-plus-27';
import { isLabelName, secretKeyProblems } from '../private/problems';
import { goDuration } from '../private/units';
import { url } from '../private/grammar';
import { re2Problem } from '../private/re2';

/** One key of a Secret you create before deploying. */
export interface SecretKeyRef {
  /** The Secret (e.g. `Secret.fromSecretName(this, 'Slack', 'alertmanager-slack')`). */
  readonly secret: ISecret;
  /** The key whose value is the credential. */
  readonly key: string;
}

/** Options every notifier has. */
export interface NotifierOptions {
  /**
   * Notify when alerts resolve.
   * @default - Alertmanager's default for the integration (webhook and PagerDuty: true; Slack and email: false)
   */
  readonly sendResolved?: boolean;
}

/** Options of `Receiver.webhook`. Give exactly one of `url` and `urlSecret`. */
export interface WebhookReceiverOptions extends NotifierOptions {
  /**
   * Endpoint URL, when it is not a secret.
   * @default - none: `urlSecret` is used
   */
  readonly url?: string;
  /**
   * The URL read from a Secret key (`url_file`: newer than Alertmanager 0.25). Egress is opened on port 443;
   * open other ports with `alertmanager.connections.allowTo(...)`.
   * @default - none: `url` is used
   */
  readonly urlSecret?: SecretKeyRef;
  /**
   * Maximum number of alerts in one message.
   * @default 0 (all)
   */
  readonly maxAlerts?: number;
}

/** Options of `Receiver.slack`. */
export interface SlackReceiverOptions extends NotifierOptions {
  /** The incoming-webhook URL, read from a Secret key (`api_url_file`). */
  readonly apiUrlSecret: SecretKeyRef;
  /** Channel (`#alerts`) or user (`@someone`). */
  readonly channel: string;
}

/** Options of `Receiver.pagerDuty`. */
export interface PagerDutyReceiverOptions extends NotifierOptions {
  /** The Events API v2 integration key, read from a Secret key (`routing_key_file`). */
  readonly routingKeySecret: SecretKeyRef;
}

/** Options of `Receiver.email`. */
export interface EmailReceiverOptions extends NotifierOptions {
  /** Recipient address(es), comma-separated. */
  readonly to: string;
  /** Sender address (Alertmanager's `from`). */
  readonly sender: string;
  /** SMTP server as `host:port`, e.g. `smtp.example.com:587`. */
  readonly smarthost: string;
  /**
   * SMTP user name.
   * @default - no authentication
   */
  readonly authUsername?: string;
  /**
   * SMTP password, read from a Secret key (`auth_password_file`). Needs `authUsername`.
   * @default - no password
   */
  readonly authPasswordSecret?: SecretKeyRef;
  /**
   * Require STARTTLS.
   * @default true
   */
  readonly requireTls?: boolean;
}

/** Where a receiver's notifications go, for NetworkPolicy egress. */
interface Egress {
  readonly port: number;
}

/** How a receiver renders itself, given where each Secret key is mounted. */
type Renderer = (fileOf: (ref: SecretKeyRef) => string) => { [key: string]: unknown };

/** A named receiver: where notifications of a route go. */
export class Receiver {
  /** A generic webhook. */
  public static webhook(name: string, options: WebhookReceiverOptions): Receiver {
    const problems: string[] = [];
    if ((options.url === undefined) === (options.urlSecret === undefined)) {
      problems.push(
        `webhook receiver ${JSON.stringify(name)} needs exactly one of url and urlSecret: give the URL inline, or urlSecret when it contains a token`,
      );
    }
    // The URL lands in the Alertmanager ConfigMap: one with a credential must come from a Secret.
    problems.push(...url('use urlSecret: the URL is then read from a Secret file')(`webhook receiver ${JSON.stringify(name)} url`, options.url));
    if (options.maxAlerts !== undefined && (!Number.isInteger(options.maxAlerts) || options.maxAlerts < 0)) {
      problems.push(`webhook receiver ${JSON.stringify(name)} maxAlerts ${options.maxAlerts} is invalid: use a whole number >= 0 (0 sends all)`);
    }
    const secrets = options.urlSecret ? [options.urlSecret] : [];
    const port = options.url ? urlPort(options.url) : 443;
    return new Receiver(name, 'webhook', secrets, port ? [{ port }] : [], problems, (fileOf) => ({
      webhook_configs: [
        {
          ...sendResolved(options),
          ...(options.url !== undefined ? { url: options.url } : {}),
          ...(options.urlSecret ? { url_file: fileOf(options.urlSecret) } : {}),
          ...(options.maxAlerts !== undefined ? { max_alerts: options.maxAlerts } : {}),
        },
      ],
    }));
  }

  /** Slack, through an incoming webhook. */
  public static slack(name: string, options: SlackReceiverOptions): Receiver {
    const problems = options.channel.trim() ? [] : [`slack receiver ${JSON.stringify(name)} has an empty channel: give e.g. "#alerts"`];
    return new Receiver(name, 'slack', [options.apiUrlSecret], [{ port: 443 }], problems, (fileOf) => ({
      slack_configs: [{ ...sendResolved(options), api_url_file: fileOf(options.apiUrlSecret), channel: options.channel }],
    }));
  }

  /** PagerDuty, through the Events API v2. */
  public static pagerDuty(name: string, options: PagerDutyReceiverOptions): Receiver {
    return new Receiver(name, 'pagerduty', [options.routingKeySecret], [{ port: 443 }], [], (fileOf) => ({
      pagerduty_configs: [{ ...sendResolved(options), routing_key_file: fileOf(options.routingKeySecret) }],
    }));
  }

  /** Email through an SMTP server. */
  public static email(name: string, options: EmailReceiverOptions): Receiver {
    const problems: string[] = [];
    const q = JSON.stringify(name);
    if (!options.to.trim()) problems.push(`email receiver ${q} has an empty "to": give at least one address`);
    if (!options.sender.trim()) problems.push(`email receiver ${q} has an empty sender: give the sender address`);
    const port = /^[^\s:]+:(\d{1,5})$/.exec(options.smarthost);
    if (!port || Number(port[1]) > 65535) {
      problems.push(`email receiver ${q} smarthost ${JSON.stringify(options.smarthost)} is not host:port: use e.g. "smtp.example.com:587"`);
    }
    if (options.authPasswordSecret && !options.authUsername) {
      problems.push(`email receiver ${q} has authPasswordSecret but no authUsername: set authUsername too`);
    }
    const secrets = options.authPasswordSecret ? [options.authPasswordSecret] : [];
    return new Receiver(name, 'email', secrets, port ? [{ port: Number(port[1]) }] : [], problems, (fileOf) => ({
      email_configs: [
        {
          ...sendResolved(options),
          to: options.to,
          from: options.sender,
          smarthost: options.smarthost,
          ...(options.authUsername ? { auth_username: options.authUsername } : {}),
          ...(options.authPasswordSecret ? { auth_password_file: fileOf(options.authPasswordSecret) } : {}),
          ...(options.requireTls !== undefined ? { require_tls: options.requireTls } : {}),
        },
      ],
    }));
  }

  /** A receiver that notifies nobody (alerts are still visible in the UI and API). */
  public static none(name: string): Receiver {
    return new Receiver(name, 'none', [], [], [], () => ({}));
  }

  private constructor(
    /** Receiver name, referenced by routes. */
    public readonly name: string,
    /** The integration (`webhook`, `slack`, `pagerduty`, `email`, `none`). */
    public readonly kind: string,
    /** @internal */ public readonly _secrets: readonly SecretKeyRef[],
    /** @internal */ public readonly _egress: readonly Egress[],
    private readonly problems: string[],
    private readonly render: Renderer,
  ) {}

  /** @internal */
  public _toYaml(fileOf: (ref: SecretKeyRef) => string): object {
    return { name: this.name, ...this.render(fileOf) };
  }

  /** @internal */
  public _problems(): string[] {
    const problems = this.name.trim() ? [] : ['a receiver has an empty name: give every receiver a name'];
    for (const ref of this._secrets) problems.push(...secretKeyProblems(`receiver ${JSON.stringify(this.name)} Secret key`, ref.key));
    return [...problems, ...this.problems];
  }
}

/** Properties of a `Route`. */
export interface RouteProps {
  /**
   * Receiver of the alerts this route matches. Required on the root route.
   * @default - the parent route's receiver
   */
  readonly receiver?: string;
  /**
   * Labels alerts are grouped by into one notification; `['...']` groups by every label.
   * @default - the parent's (the root: no grouping)
   */
  readonly groupBy?: string[];
  /**
   * How long to wait for more alerts of a new group before the first notification.
   * @default - the parent's (Alertmanager: 30s)
   */
  readonly groupWait?: Duration;
  /**
   * How long to wait before notifying about new alerts of a group already notified.
   * @default - the parent's (Alertmanager: 5m)
   */
  readonly groupInterval?: Duration;
  /**
   * How long to wait before repeating a notification.
   * @default - the parent's (Alertmanager: 4h)
   */
  readonly repeatInterval?: Duration;
  /**
   * Matchers an alert must all satisfy, e.g. `severity="critical"`, `namespace=~"prod-.*"`. Not allowed
   * on the root route, which matches everything.
   * @default - none: every alert
   */
  readonly matchers?: string[];
  /**
   * Child routes, tried in order.
   * @default - none
   */
  readonly routes?: Route[];
  /**
   * Keep trying the following sibling routes after this one matched (Alertmanager's `continue`).
   * @default false
   */
  readonly continueMatching?: boolean;
}

/** A node of the routing tree. */
export class Route {
  /** @param props the route's matchers, receiver and children */
  constructor(public readonly props: RouteProps) {}

  /** @internal */
  public _toYaml(): object {
    const p = this.props;
    return {
      ...(p.receiver !== undefined ? { receiver: p.receiver } : {}),
      ...(p.groupBy ? { group_by: [...p.groupBy] } : {}),
      ...(p.continueMatching ? { continue: true } : {}),
      ...(p.matchers?.length ? { matchers: [...p.matchers] } : {}),
      ...(p.groupWait ? { group_wait: goDuration(p.groupWait) } : {}),
      ...(p.groupInterval ? { group_interval: goDuration(p.groupInterval) } : {}),
      ...(p.repeatInterval ? { repeat_interval: goDuration(p.repeatInterval) } : {}),
      ...(p.routes?.length ? { routes: p.routes.map((r) => r._toYaml()) } : {}),
    };
  }

  /** Problems of this route and its children; `path` names it in messages. @internal */
  public _problems(receivers: ReadonlySet<string>, path = 'route'): string[] {
    const p = this.props;
    const problems: string[] = [];
    if (p.receiver !== undefined && !receivers.has(p.receiver)) {
      problems.push(
        `${path} sends to receiver ${JSON.stringify(p.receiver)}, which does not exist: add it to receivers or use one of ${JSON.stringify([...receivers])}`,
      );
    }
    for (const l of p.groupBy ?? []) {
      if (l !== '...' && !isLabelName(l))
        problems.push(
          `${path} groupBy label ${JSON.stringify(l)} is not a valid label name: match [a-zA-Z_][a-zA-Z0-9_]*, or use '...' alone to group by all labels`,
        );
    }
    if (p.groupBy?.includes('...') && p.groupBy.length > 1) {
      problems.push(`${path} groupBy ${JSON.stringify(p.groupBy)} mixes '...' with label names: '...' already groups by every label; use ['...'] alone`);
    }
    for (const [field, d] of [
      ['groupInterval', p.groupInterval],
      ['repeatInterval', p.repeatInterval],
    ] as const) {
      if (d && d.toMilliseconds() <= 0) problems.push(`${path} ${field} ${goDuration(d)} is not allowed: Alertmanager refuses zero; use a positive duration`);
    }
    if (p.groupWait && p.groupWait.toMilliseconds() < 0) problems.push(`${path} groupWait is negative: use a duration >= 0`);
    problems.push(...matcherListProblems(`${path} matchers`, p.matchers ?? []));
    (p.routes ?? []).forEach((r, i) => problems.push(...r._problems(receivers, `${path}.routes[${i}]`)));
    return problems;
  }
}

/** Properties of an `InhibitRule`. */
export interface InhibitRuleProps {
  /** Matchers of the alerts that mute others, e.g. `severity="critical"`. */
  readonly sourceMatchers: string[];
  /** Matchers of the alerts that are muted, e.g. `severity="warning"`. */
  readonly targetMatchers: string[];
  /**
   * Labels whose values must be equal in source and target for the target to be muted.
   * @default - none: any source mutes every target
   */
  readonly equal?: string[];
}

/** Mutes alerts matching `targetMatchers` while an alert matching `sourceMatchers` fires. */
export class InhibitRule {
  /** @param props the source and target matchers */
  constructor(public readonly props: InhibitRuleProps) {}

  /** @internal */
  public _toYaml(): object {
    const p = this.props;
    return {
      source_matchers: [...p.sourceMatchers],
      target_matchers: [...p.targetMatchers],
      ...(p.equal?.length ? { equal: [...p.equal] } : {}),
    };
  }

  /** @internal */
  public _problems(path: string): string[] {
    const p = this.props;
    const problems = [...matcherListProblems(`${path} sourceMatchers`, p.sourceMatchers), ...matcherListProblems(`${path} targetMatchers`, p.targetMatchers)];
    if (!p.sourceMatchers.length)
      problems.push(`${path} has no sourceMatchers: an inhibit rule without them mutes targets whenever any alert fires; add e.g. 'severity="critical"'`);
    if (!p.targetMatchers.length) problems.push(`${path} has no targetMatchers: it would mute every alert; add e.g. 'severity="warning"'`);
    for (const l of p.equal ?? []) {
      if (!isLabelName(l)) problems.push(`${path} equal label ${JSON.stringify(l)} is not a valid label name: match [a-zA-Z_][a-zA-Z0-9_]*`);
    }
    return problems;
  }
}

/**
 * `name op value`: the subset both the classic (Alertmanager 0.25) and the UTF-8 (0.27+) matcher
 * parsers accept: a plain label name, and a double-quoted value or a plain unquoted one.
 */
const MATCHER = /^([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[a-zA-Z0-9_.:/-]*)$/;

/** Problems with one matcher string. */
export function matcherProblems(what: string, matcher: string): string[] {
  const m = MATCHER.exec(matcher.trim());
  if (!m) {
    return [
      `${what} ${JSON.stringify(matcher)} is not a valid matcher: write name, an operator (=, !=, =~, !~) and a double-quoted value, e.g. severity="critical"`,
    ];
  }
  const [, , op, raw] = m;
  if (op === '=~' || op === '!~') {
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    // Alertmanager compiles it with Go's regexp (RE2): JavaScript's RegExp accepts lookaround and refuses `(?i)`.
    const why = re2Problem(value);
    if (why) return [`${what} ${JSON.stringify(matcher)} has an invalid regular expression (RE2 syntax: ${why}): fix the pattern after ${op}`];
  }
  if (raw.startsWith('"')) {
    try {
      JSON.parse(raw);
    } catch {
      return [`${what} ${JSON.stringify(matcher)} has an invalid escape in its quoted value: escape only \\" and \\\\`];
    }
  }
  return [];
}

function matcherListProblems(what: string, matchers: string[]): string[] {
  return matchers.flatMap((m, i) => matcherProblems(`${what}[${i}]`, m));
}

function sendResolved(o: NotifierOptions): object {
  return o.sendResolved !== undefined ? { send_resolved: o.sendResolved } : {};
}

/** The port of an http(s) URL, for egress. */
function urlPort(url: string): number | undefined {
  const m = /^(https?):\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/?#]+)(?::(\d+))?/.exec(url);
  if (!m) return undefined;
  return m[3] ? Number(m[3]) : m[1] === 'https' ? 443 : 80;
}

/** Everything `alertmanager.yml` is made of. */
export interface AlertmanagerConfigParts {
  /** The root of the routing tree. */
  readonly route: Route;
  /** Every receiver the routes name. */
  readonly receivers: readonly Receiver[];
  /** Inhibition rules. */
  readonly inhibitRules: readonly InhibitRule[];
}

/** The `alertmanager.yml` document. @internal */
export function alertmanagerConfigDocument(parts: AlertmanagerConfigParts, fileOf: (ref: SecretKeyRef) => string): object {
  return {
    route: parts.route._toYaml(),
    ...(parts.inhibitRules.length ? { inhibit_rules: parts.inhibitRules.map((r) => r._toYaml()) } : {}),
    receivers: parts.receivers.map((r) => r._toYaml(fileOf)),
  };
}

/** Every problem of a configuration. @internal */
export function alertmanagerConfigProblems(parts: AlertmanagerConfigParts): string[] {
  const problems: string[] = [];
  if (parts.receivers.length === 0) problems.push('receivers is empty: Alertmanager needs at least one; add e.g. Receiver.none("default")');
  const names = new Set<string>();
  for (const r of parts.receivers) {
    if (names.has(r.name)) problems.push(`receiver name ${JSON.stringify(r.name)} is used twice: give every receiver a unique name`);
    names.add(r.name);
    problems.push(...r._problems());
  }
  const root = parts.route.props;
  if (root.receiver === undefined) problems.push('the root route has no receiver: set route.receiver; it catches every alert no child route takes');
  if (root.matchers?.length)
    problems.push(`the root route has matchers ${JSON.stringify(root.matchers)}: the root matches every alert; move them to a child route under routes`);
  if (root.continueMatching) problems.push('the root route sets continueMatching: it has no siblings; remove continueMatching');
  problems.push(...parts.route._problems(names));
  parts.inhibitRules.forEach((r, i) => problems.push(...r._problems(`inhibitRules[${i}]`)));
  return problems;
}
