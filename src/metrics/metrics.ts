/**
 * Call metrics per agent, server, tool and operation (SPEC §11), reported by
 * `get_gateway_status`. Pure and in-memory.
 *
 * Memory is bounded twice over: each series keeps a fixed-size histogram, and each dimension
 * keeps at most `maxSeries` named series — further keys share one `(other)` series, so a caller
 * spraying random agent ids or tool names cannot grow the gateway.
 */

import { ERROR_CODES } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import { LatencyHistogram } from './latency-histogram.ts';

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

export interface Metrics {
  /** O(1); called on every gateway tool call. */
  record(sample: MetricsSample): void;
  snapshot(): MetricsSnapshot;
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

/** One dimension's series, capped at `maxSeries` named keys plus `(other)`. */
class Dimension {
  readonly #series = new Map<string, Series>();
  readonly #maxSeries: number;
  #named = 0;

  constructor(maxSeries: number) {
    this.#maxSeries = maxSeries;
  }

  get(key: string): Series {
    const existing = this.#series.get(key);
    if (existing !== undefined) return existing;
    const overflow = this.#named >= this.#maxSeries;
    const name = overflow ? OTHER_SERIES : key;
    let series = overflow ? this.#series.get(OTHER_SERIES) : undefined;
    if (series === undefined) {
      series = new Series();
      this.#series.set(name, series);
      if (!overflow) this.#named += 1;
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

  return {
    record(sample) {
      const { latencyMs, errorCode } = sample;
      total.record(latencyMs, errorCode);
      operations.get(sample.operation).record(latencyMs, errorCode);
      if (sample.agentId !== null) agents.get(sample.agentId).record(latencyMs, errorCode);
      if (sample.server !== null) {
        servers.get(sample.server).record(latencyMs, errorCode);
        if (sample.tool !== null) tools.get(`${sample.server}/${sample.tool}`).record(latencyMs, errorCode);
      }
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
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
