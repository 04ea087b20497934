/**
 * Call metrics per agent, server, tool and operation (SPEC §11): one system, two views. Every
 * `record()` updates both the snapshot that `get_gateway_status` reports (with percentiles from
 * bounded histograms) and the Prometheus registry that `/metrics` exposes (SPEC §14), under the
 * same label values, so the two always count the same calls.
 *
 * Memory is bounded three times over: each series keeps a fixed-size histogram; once the lead
 * calls `setConfiguredNames`, agents and servers not in the config (and tools the catalog does not
 * know) are counted as `(other)`; and each dimension keeps at most `maxSeries` named series —
 * further keys share `(other)` — so a caller spraying random agent ids or tool names cannot grow
 * the gateway.
 */

import { ERROR_CODES, isDenyCode } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import { LatencyHistogram } from './latency-histogram.ts';
import {
  NONE_LABEL,
  PROMETHEUS_CONTENT_TYPE,
  PrometheusMetrics,
  type DownstreamStatus,
} from './prometheus.ts';

export type { DownstreamStatus };

/** The series that collects every key past a dimension's cap. */
export const OTHER_SERIES = '(other)';

const DEFAULT_MAX_SERIES = 1000;

export interface MetricsSample {
  /** Null when identity failed before an agent was known; such calls count in `total` and per operation only. */
  agentId: string | null;
  server: string | null;
  tool: string | null;
  /** The gateway tool name, e.g. `execute_tool`. */
  operation: string;
  latencyMs: number;
  /** Absent for a successful call. */
  errorCode?: ErrorCode;
}

export interface SeriesSnapshot {
  calls: number;
  errors: number;
  /** Only the codes seen at least once. */
  errors_by_code: Partial<Record<ErrorCode, number>>;
  /** Rounded to 0.001 ms; all 0 while there are no calls. */
  latency_ms: { p50: number; p95: number; p99: number; max: number };
}

export interface MetricsSnapshot {
  /** UTC ISO-8601 time the metrics started counting. */
  started_at: string;
  total: SeriesSnapshot;
  by_agent: Record<string, SeriesSnapshot>;
  by_server: Record<string, SeriesSnapshot>;
  /** Keyed `server/tool`. */
  by_tool: Record<string, SeriesSnapshot>;
  by_operation: Record<string, SeriesSnapshot>;
}

/** The names label values may take (SPEC §14: only configured names); the lead sets them at start and on reload. */
export interface ConfiguredNames {
  agents: Iterable<string>;
  servers: Iterable<string>;
  /** Whether the catalog knows this tool; absent: every tool of a configured server is kept (up to the cap). */
  isKnownTool?: (server: string, tool: string) => boolean;
}

export interface Metrics {
  /** O(1); called on every gateway tool call. */
  record(sample: MetricsSample): void;
  snapshot(): MetricsSnapshot;
  /** Prometheus text exposition for `/metrics`. */
  exposition(): Promise<string>;
  /** The Content-Type of `exposition()`. */
  readonly contentType: string;
  setConfiguredNames(names: ConfiguredNames): void;
  /** Read at every scrape: the downstream servers and whether each is connected. */
  setDownstreamStatus(source: () => Iterable<DownstreamStatus>): void;
  /** The number of open HTTP sessions, set by the HTTP front end whenever it changes. */
  setOpenSessions(count: number): void;
}

export interface MetricsOptions {
  /** Named series kept per dimension before further keys aggregate under `(other)` (default 1000). */
  maxSeries?: number;
}

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];
const CODE_INDEX = new Map<ErrorCode, number>(CODES.map((code, index) => [code, index]));

class Series {
  calls = 0;
  errors = 0;
  /** Indexed like CODES: fixed size, no per-call allocation. */
  readonly errorsByCode = new Float64Array(CODES.length);
  readonly latency = new LatencyHistogram();

  record(latencyMs: number, errorCode: ErrorCode | undefined): void {
    this.calls += 1;
    this.latency.record(latencyMs);
    if (errorCode !== undefined) {
      this.errors += 1;
      const index = CODE_INDEX.get(errorCode);
      if (index !== undefined) this.errorsByCode[index] = (this.errorsByCode[index] ?? 0) + 1;
    }
  }

  snapshot(): SeriesSnapshot {
    const errorsByCode: Partial<Record<ErrorCode, number>> = {};
    CODES.forEach((code, index) => {
      const count = this.errorsByCode[index] ?? 0;
      if (count > 0) errorsByCode[code] = count;
    });
    const [p50 = 0, p95 = 0, p99 = 0] = this.latency.percentiles([0.5, 0.95, 0.99]);
    return {
      calls: this.calls,
      errors: this.errors,
      errors_by_code: errorsByCode,
      latency_ms: { p50: round(p50), p95: round(p95), p99: round(p99), max: round(this.latency.max) },
    };
  }
}

class NamedSeries extends Series {
  constructor(readonly name: string) {
    super();
  }
}

/** One dimension's series, capped at `maxSeries` named keys plus `(other)`. */
class Dimension {
  readonly #series = new Map<string, NamedSeries>();
  readonly #maxSeries: number;
  #named = 0;

  constructor(maxSeries: number) {
    this.#maxSeries = maxSeries;
  }

  /** The series for `key`, and the name it is counted under (`key` or `(other)`). */
  get(key: string): Series & { readonly name: string } {
    const existing = this.#series.get(key);
    if (existing !== undefined) return existing;
    const overflow = this.#named >= this.#maxSeries && key !== OTHER_SERIES;
    const name = overflow ? OTHER_SERIES : key;
    let series = overflow ? this.#series.get(OTHER_SERIES) : undefined;
    if (series === undefined) {
      series = new NamedSeries(name);
      this.#series.set(name, series);
      if (name !== OTHER_SERIES) this.#named += 1;
    }
    return series;
  }

  snapshot(): Record<string, SeriesSnapshot> {
    // fromEntries defines own properties, so a key such as `__proto__` stays an ordinary key.
    return Object.fromEntries(Array.from(this.#series, ([key, series]) => [key, series.snapshot()]));
  }
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const maxSeries = options.maxSeries ?? DEFAULT_MAX_SERIES;
  if (!(Number.isInteger(maxSeries) && maxSeries >= 0)) {
    throw new RangeError('maxSeries must be a non-negative integer');
  }
  const startedAt = new Date().toISOString();
  const total = new Series();
  const agents = new Dimension(maxSeries);
  const servers = new Dimension(maxSeries);
  const tools = new Dimension(maxSeries);
  const operations = new Dimension(maxSeries);

  const prometheus = new PrometheusMetrics();
  let names:
    { agents: Set<string>; servers: Set<string>; isKnownTool?: ConfiguredNames['isKnownTool'] } | undefined;

  // Configured names pass; anything else is `(other)`. Before names are set, the caps alone bound.
  const agentKey = (id: string) => (names === undefined || names.agents.has(id) ? id : OTHER_SERIES);
  const serverKey = (id: string) => (names === undefined || names.servers.has(id) ? id : OTHER_SERIES);
  const toolKey = (server: string, tool: string) =>
    server === OTHER_SERIES || (names?.isKnownTool !== undefined && !names.isKnownTool(server, tool))
      ? OTHER_SERIES
      : tool;

  return {
    record(sample) {
      const { latencyMs, errorCode } = sample;
      total.record(latencyMs, errorCode);
      const operation = operations.get(sample.operation);
      operation.record(latencyMs, errorCode);
      let agent = NONE_LABEL;
      if (sample.agentId !== null) {
        const series = agents.get(agentKey(sample.agentId));
        series.record(latencyMs, errorCode);
        agent = series.name;
      }
      let server = NONE_LABEL;
      let tool = NONE_LABEL;
      if (sample.server !== null) {
        const serverSeries = servers.get(serverKey(sample.server));
        serverSeries.record(latencyMs, errorCode);
        server = serverSeries.name;
        if (sample.tool !== null) {
          const name = toolKey(server, sample.tool);
          const toolSeries = tools.get(`${server}/${name}`);
          toolSeries.record(latencyMs, errorCode);
          tool = toolSeries.name === OTHER_SERIES ? OTHER_SERIES : name;
        }
      }
      const decision = errorCode === undefined ? 'allow' : isDenyCode(errorCode) ? 'deny' : 'error';
      prometheus.record({ agent, server, tool, operation: operation.name, decision }, latencyMs, errorCode);
    },
    snapshot() {
      return {
        started_at: startedAt,
        total: total.snapshot(),
        by_agent: agents.snapshot(),
        by_server: servers.snapshot(),
        by_tool: tools.snapshot(),
        by_operation: operations.snapshot(),
      };
    },
    exposition: () => prometheus.exposition(),
    contentType: PROMETHEUS_CONTENT_TYPE,
    setConfiguredNames(configured) {
      names = {
        agents: new Set(configured.agents),
        servers: new Set(configured.servers),
        ...(configured.isKnownTool !== undefined && { isKnownTool: configured.isKnownTool }),
      };
    },
    setDownstreamStatus: (source) => prometheus.setDownstreamStatus(source),
    setOpenSessions: (count) => prometheus.setOpenSessions(count),
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
