import { thanosOverviewDashboard } from './thanos-overview';
import { promqlProblems } from '../../private/promql';
import { maxNameWith } from '../../private/invariants';

/** RFC 1123 label short enough for the `dashboard-<slug>` volume name. */
const SLUG = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_SLUG = maxNameWith('dashboard-');
/**
 * Client-side `kubectl apply` copies the whole ConfigMap into a 256 KiB annotation; keep each
 * dashboard (JSON-escaped, as it appears there) safely under it.
 */
export const MAX_DASHBOARD_BYTES = 250 * 1024;

/** A Grafana dashboard, provisioned from its own ConfigMap. */
export class Dashboard {
  /**
   * A dashboard from its JSON model (e.g. exported from Grafana, or read with `JSON.parse`). It should
   * carry a fixed `uid` so links to it survive re-provisioning.
   * @param slug file and ConfigMap name part: lower-case letters, digits and '-'
   */
  public static fromJson(slug: string, json: { [key: string]: unknown }): Dashboard {
    return new Dashboard(slug, JSON.parse(JSON.stringify(json)));
  }

  /** The Thanos overview: querier, store gateway, sidecar and compactor health, and `up` per job. */
  public static thanosOverview(): Dashboard {
    return new Dashboard('thanos-overview', thanosOverviewDashboard());
  }

  private constructor(
    /** Names the JSON file (`<slug>.json`), its ConfigMap and its mount. */
    public readonly slug: string,
    private readonly json: { [key: string]: unknown },
  ) {}

  /** The dashboard's `uid`, if it has one. */
  public get uid(): string | undefined {
    return typeof this.json.uid === 'string' ? this.json.uid : undefined;
  }

  /** The dashboard's title. */
  public get title(): string | undefined {
    return typeof this.json.title === 'string' ? this.json.title : undefined;
  }

  /** The JSON file content: stable for the same input, indented for readable diffs. */
  public render(): string {
    return `${JSON.stringify(this.json, null, 2)}\n`;
  }

  /** @internal */
  public _problems(): string[] {
    const problems: string[] = [];
    const q = JSON.stringify(this.slug);
    if (this.slug.length > MAX_SLUG || !SLUG.test(this.slug)) {
      problems.push(`dashboard slug ${q} is not valid: use at most ${MAX_SLUG} lower-case letters, digits and '-', starting and ending with a letter or digit`);
    }
    if (!this.title?.trim()) problems.push(`dashboard ${q} has no title: Grafana refuses to provision it; set "title" in its JSON`);
    for (const { panel, refId, expr } of panelQueries(this.json)) {
      problems.push(...promqlProblems(`dashboard ${q} panel ${JSON.stringify(panel)} query ${refId}`, expr, true));
    }
    const bytes = Buffer.byteLength(JSON.stringify(this.render()));
    if (bytes >= MAX_DASHBOARD_BYTES) {
      problems.push(
        `dashboard ${q} is ${Math.ceil(bytes / 1024)} KiB as it appears in kubectl's last-applied annotation (limit 256 KiB): split it into smaller dashboards, or drop unused panels`,
      );
    }
    return problems;
  }
}

/** Every Prometheus query of a dashboard model, rows' nested panels included. */
function panelQueries(json: { [key: string]: unknown }): Array<{ panel: string; refId: string; expr: string }> {
  const out: Array<{ panel: string; refId: string; expr: string }> = [];
  const visit = (panels: unknown) => {
    if (!Array.isArray(panels)) return;
    for (const p of panels) {
      if (typeof p !== 'object' || p === null) continue;
      const panel = p as { title?: unknown; id?: unknown; targets?: unknown; panels?: unknown };
      const name = typeof panel.title === 'string' ? panel.title : `id ${String(panel.id)}`;
      for (const [i, t] of (Array.isArray(panel.targets) ? panel.targets : []).entries()) {
        const target = t as { expr?: unknown; refId?: unknown };
        if (typeof target?.expr === 'string') out.push({ panel: name, refId: typeof target.refId === 'string' ? target.refId : String(i), expr: target.expr });
      }
      visit(panel.panels);
    }
  };
  visit(json.panels);
  return out;
}
