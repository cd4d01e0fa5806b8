/**
 * The Thanos overview dashboard, written for this library: one row per component, a few panels each,
 * selecting jobs by the substrings the stack's Service names contain (`thanos-query`, `thanos-store`,
 * `thanos-sidecar`, `thanos-compact`). Stable panel ids and uid, no timestamps.
 */

/** Every panel and query uses the dashboard's datasource variable. */
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
const WIDTH = 24;
const PANEL_HEIGHT = 8;

/** One query of a panel: PromQL and its legend. */
export interface Query {
  readonly expr: string;
  readonly legend: string;
}

/** What a panel shows. */
export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly queries: Query[];
  /** Grafana unit id, e.g. `reqps`, `percentunit`, `s`. */
  readonly unit: string;
  /** A stat with red from this value on, instead of a time series. */
  readonly redFrom?: number;
  /** Fixed axis maximum (ratios, booleans). */
  readonly max?: number;
}

/** A row of panels. */
export interface RowSpec {
  readonly title: string;
  readonly panels: PanelSpec[];
}

/** A selector for one component's jobs, narrowed by the `job` variable. */
function jobs(component: string, extra = ''): string {
  return `{job=~"$job", job=~".*${component}.*"${extra ? `, ${extra}` : ''}}`;
}

const QUERY_HANDLERS = 'handler=~"query|query_range"';

/** The dashboard's rows, top to bottom. */
function rows(): RowSpec[] {
  const query = jobs('thanos-query', QUERY_HANDLERS);
  const queryErrors = jobs('thanos-query', `${QUERY_HANDLERS}, code=~"5.."`);
  const store = jobs('thanos-store');
  const sidecar = jobs('thanos-sidecar');
  const compact = jobs('thanos-compact');
  return [
    {
      title: 'Targets',
      panels: [
        {
          title: 'Targets up per job',
          description: 'Scrape targets answering, per job.',
          queries: [{ expr: 'sum by (job) (up{job=~"$job"})', legend: '{{job}}' }],
          unit: 'short',
        },
        {
          title: 'Targets down',
          description: 'Scrape targets not answering, over every selected job.',
          queries: [{ expr: 'count(up{job=~"$job"} == 0) or vector(0)', legend: 'down' }],
          unit: 'short',
          redFrom: 1,
        },
      ],
    },
    {
      title: 'Querier',
      panels: [
        {
          title: 'Query requests',
          description: 'Instant and range query requests per second.',
          queries: [{ expr: `sum by (job, handler) (rate(http_requests_total${query}[$__rate_interval]))`, legend: '{{job}} {{handler}}' }],
          unit: 'reqps',
        },
        {
          title: 'Query error ratio',
          description: 'Share of instant and range queries answered with a 5xx status.',
          queries: [
            {
              expr: `sum by (job, handler) (rate(http_requests_total${queryErrors}[$__rate_interval])) / sum by (job, handler) (rate(http_requests_total${query}[$__rate_interval]))`,
              legend: '{{job}} {{handler}}',
            },
          ],
          unit: 'percentunit',
          max: 1,
        },
        {
          title: 'Query latency p99',
          description: '99th percentile duration of instant and range queries.',
          queries: [
            {
              expr: `histogram_quantile(0.99, sum by (job, handler, le) (rate(http_request_duration_seconds_bucket${query}[$__rate_interval])))`,
              legend: '{{job}} {{handler}}',
            },
          ],
          unit: 's',
        },
      ],
    },
    {
      title: 'Store gateway',
      panels: [
        {
          title: 'Blocks loaded',
          description: 'Blocks each store gateway serves from the bucket.',
          queries: [{ expr: `sum by (job, pod) (thanos_bucket_store_blocks_loaded${store})`, legend: '{{pod}}' }],
          unit: 'short',
        },
        {
          title: 'Series per request p99',
          description: '99th percentile of series returned by one StoreAPI Series request.',
          queries: [
            {
              expr: `histogram_quantile(0.99, sum by (job, le) (rate(thanos_bucket_store_series_result_series_bucket${store}[$__rate_interval])))`,
              legend: '{{job}}',
            },
          ],
          unit: 'short',
        },
        {
          title: 'Block load failures',
          description: 'Failed attempts to load a block from the bucket, per second.',
          queries: [{ expr: `sum by (job) (rate(thanos_bucket_store_block_load_failures_total${store}[$__rate_interval]))`, legend: '{{job}}' }],
          unit: 'ops',
        },
      ],
    },
    {
      title: 'Sidecar',
      panels: [
        {
          title: 'Time since last upload',
          description: 'Age of the last block each sidecar shipped to the bucket (normally under the 2h block duration).',
          queries: [{ expr: `time() - max by (job, pod) (thanos_objstore_bucket_last_successful_upload_time${sidecar})`, legend: '{{pod}}' }],
          unit: 's',
        },
        {
          title: 'Prometheus reachable',
          description: '1 when the sidecar can reach its Prometheus.',
          queries: [{ expr: `min by (job, pod) (thanos_sidecar_prometheus_up${sidecar})`, legend: '{{pod}}' }],
          unit: 'bool',
          max: 1,
        },
        {
          title: 'Upload failures',
          description: 'Failed block uploads per second.',
          queries: [{ expr: `sum by (job, pod) (rate(thanos_shipper_upload_failures_total${sidecar}[$__rate_interval]))`, legend: '{{pod}}' }],
          unit: 'ops',
        },
      ],
    },
    {
      title: 'Compactor',
      panels: [
        {
          title: 'Halted',
          description: '1 when the compactor halted (e.g. overlapping blocks); it keeps running but compacts nothing until fixed.',
          queries: [{ expr: `max(thanos_compact_halted${compact}) or vector(0)`, legend: 'halted' }],
          unit: 'short',
          redFrom: 1,
        },
        {
          title: 'Iterations per hour',
          description: 'Completed compaction iterations in the last hour.',
          queries: [{ expr: `sum by (job) (increase(thanos_compact_iterations_total${compact}[1h]))`, legend: '{{job}}' }],
          unit: 'short',
        },
        {
          title: 'Compaction failures per hour',
          description: 'Failed group compactions in the last hour.',
          queries: [{ expr: `sum by (job) (increase(thanos_compact_group_compactions_failures_total${compact}[1h]))`, legend: '{{job}}' }],
          unit: 'short',
        },
      ],
    },
  ];
}

/** Every PromQL expression of the dashboard (for validation). */
export function thanosOverviewQueries(): string[] {
  return rows().flatMap((r) => r.panels.flatMap((p) => p.queries.map((q) => q.expr)));
}

/** The dashboard JSON model. */
export function thanosOverviewDashboard(): { [key: string]: unknown } {
  const panels = layoutPanels(rows(), DATASOURCE);
  return dashboardModel({
    uid: 'thanos-overview',
    title: 'Thanos / Overview',
    description: 'Health of the Thanos components: querier, store gateway, sidecars, compactor.',
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', regex: '', hide: 0, refresh: 1, includeAll: false, multi: false },
        {
          name: 'job',
          label: 'Job',
          type: 'query',
          datasource: DATASOURCE,
          query: { query: 'label_values(up, job)', refId: 'job' },
          regex: '',
          hide: 0,
          refresh: 2,
          sort: 1,
          multi: true,
          includeAll: true,
          allValue: '.+',
          current: { text: ['All'], value: ['$__all'] },
        },
      ],
    },
    panels,
  });
}

/** The envelope every dashboard of the library shares (fixed uid, no timestamps, read-only). */
export function dashboardModel(o: { uid: string; title: string; description: string; templating: { list: object[] }; panels: object[] }): {
  [key: string]: unknown;
} {
  return {
    id: null,
    uid: o.uid,
    title: o.title,
    description: o.description,
    tags: ['thanos'],
    editable: false,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    timezone: '',
    annotations: { list: [] },
    links: [],
    templating: o.templating,
    panels: o.panels,
  };
}

/** Rows laid out top to bottom, panels of a row side by side; ids from 1. */
export function layoutPanels(rowSpecs: RowSpec[], datasource: { type: string; uid: string }): object[] {
  const panels: object[] = [];
  let id = 1;
  let y = 0;
  for (const row of rowSpecs) {
    panels.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { h: 1, w: WIDTH, x: 0, y }, panels: [] });
    y += 1;
    const width = WIDTH / row.panels.length;
    row.panels.forEach((spec, i) => {
      panels.push(panel(id++, spec, { h: PANEL_HEIGHT, w: width, x: i * width, y }, datasource));
    });
    y += PANEL_HEIGHT;
  }
  return panels;
}

function panel(id: number, spec: PanelSpec, gridPos: { h: number; w: number; x: number; y: number }, datasource: { type: string; uid: string }): object {
  const targets = spec.queries.map((q, i) => ({
    refId: String.fromCharCode(65 + i),
    datasource,
    expr: q.expr,
    legendFormat: q.legend,
    range: true,
  }));
  const defaults = { unit: spec.unit, min: 0, ...(spec.max !== undefined ? { max: spec.max } : {}) };
  if (spec.redFrom !== undefined) {
    return {
      id,
      type: 'stat',
      title: spec.title,
      description: spec.description,
      datasource,
      gridPos,
      fieldConfig: {
        defaults: {
          ...defaults,
          thresholds: {
            mode: 'absolute',
            steps: [
              { color: 'green', value: null },
              { color: 'red', value: spec.redFrom },
            ],
          },
        },
        overrides: [],
      },
      options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'none', textMode: 'value' },
      targets,
    };
  }
  return {
    id,
    type: 'timeseries',
    title: spec.title,
    description: spec.description,
    datasource,
    gridPos,
    fieldConfig: { defaults, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
    targets,
  };
}
