/**
 * The Prometheus side of the metrics (SPEC §11, §14 `/metrics`): a prom-client Registry of our own
 * (never the global one, so two gateways in one process or a test never share counters), fed by
 * the same `record()` as `get_gateway_status`'s snapshot.
 *
 * Label values arrive already bounded (configured names or `(other)`, see metrics.ts). Counts and
 * latency buckets are tallied in plain Maps keyed by the joined labels and handed to the Registry
 * at scrape time: prom-client's own children re-hash their labels on every inc()/observe(), which
 * cost four times the rest of record() (measured: ~1.9 µs against ~0.65 µs per record now). A last
 * cap on label combinations per metric guards the product of the dimensions. prom-client itself
 * (~50 ms to load) is imported at the first scrape, so a gateway nobody scrapes never loads it.
 */

import type { Counter, Registry } from 'prom-client';
import type { ErrorCode } from '../errors.ts';

/** What `exposition()` returns (prom-client's Registry.PROMETHEUS_CONTENT_TYPE). */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export const PROMETHEUS_PREFIX = 'agent_mcp_gateway_';
/** Label value for a dimension the call never reached, e.g. no agent when identity failed. */
export const NONE_LABEL = '(none)';
const OTHER = '(other)';
/** Label combinations kept per metric; further ones share one all-`(other)` combination. */
const MAX_CHILDREN = 10_000;

/** Seconds, from 0.5 ms (a cached discovery call) to a minute (the default tool timeout). */
const LATENCY_BUCKETS_S = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

export type Decision = 'allow' | 'deny' | 'error';

export interface CallLabels {
  agent: string;
  server: string;
  tool: string;
  operation: string;
  decision: Decision;
}

export interface DownstreamStatus {
  server: string;
  up: boolean;
}

/** One label combination's latency in Prometheus's cumulative buckets, exported at scrape time. */
class Buckets {
  /** counts[i]: observations in (bound[i-1], bound[i]]; the last slot is above every bound. */
  readonly counts = new Float64Array(LATENCY_BUCKETS_S.length + 1);
  sum = 0;
  count = 0;

  constructor(readonly labels: { operation: string; server: string }) {}

  observe(seconds: number): void {
    let index = 0;
    while (index < LATENCY_BUCKETS_S.length && seconds > (LATENCY_BUCKETS_S[index] ?? Infinity)) index += 1;
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.sum += seconds;
    this.count += 1;
  }
}

/** One label combination's count, published to prom-client only at scrape time. */
interface Tally {
  readonly labels: readonly string[];
  count: number;
}

export class PrometheusMetrics {
  readonly #calls = new Map<string, Tally>();
  readonly #errors = new Map<string, Tally>();
  readonly #latency = new Map<string, Buckets>();
  #downstreamSource: (() => Iterable<DownstreamStatus>) | undefined;
  #openSessions = 0;
  #registry: Promise<Registry> | undefined;

  /** The Prometheus text exposition of every metric, as `/metrics` serves it. */
  async exposition(): Promise<string> {
    this.#registry ??= this.#createRegistry();
    return (await this.#registry).metrics();
  }

  async #createRegistry(): Promise<Registry> {
    const { Counter, Gauge, Registry } = await import('prom-client');
    const registry = new Registry();
    const registers = [registry];
    const calls = this.#calls;
    const errors = this.#errors;
    // Copied from the tallies at each scrape (see the header for why not inc() per call).
    new Counter({
      name: `${PROMETHEUS_PREFIX}calls_total`,
      help: 'Gateway tool calls by agent, server, tool, operation and decision (allow, deny, error).',
      labelNames: ['agent', 'server', 'tool', 'operation', 'decision'],
      registers,
      collect() {
        publish(this, calls);
      },
    });
    new Counter({
      name: `${PROMETHEUS_PREFIX}errors_total`,
      help: 'Failed gateway tool calls by error code (SPEC §9), agent, server and operation.',
      labelNames: ['code', 'agent', 'server', 'operation'],
      registers,
      collect() {
        publish(this, errors);
      },
    });
    // prom-client's Histogram re-hashes labels on every observe(); this one is exported the same way.
    const latency = this.#latency;
    const latencyName = `${PROMETHEUS_PREFIX}call_duration_seconds`;
    const latencyHelp = 'Gateway tool call latency, from arrival to result, by operation and server.';
    registry.registerMetric({
      name: latencyName,
      help: latencyHelp,
      type: 'histogram',
      get: () => Promise.resolve(histogramValues(latencyName, latencyHelp, latency)),
      reset: () => latency.clear(),
      // The Registry needs only name, help, type, get() and reset(); the cast skips the rest of Metric.
    } as unknown as Parameters<Registry['registerMetric']>[0]);
    // Read at scrape time from the pool, so it can never disagree with get_gateway_status.
    const source = () => this.#downstreamSource;
    new Gauge({
      name: `${PROMETHEUS_PREFIX}downstream_up`,
      help: 'Downstream servers: 1 when connected, 0 otherwise.',
      labelNames: ['server'],
      registers,
      collect() {
        this.reset();
        for (const { server, up } of source()?.() ?? []) this.set({ server }, up ? 1 : 0);
      },
    });
    const sessions = () => this.#openSessions;
    new Gauge({
      name: `${PROMETHEUS_PREFIX}http_sessions_open`,
      help: 'Open MCP sessions of the HTTP front end.',
      registers,
      collect() {
        this.set(sessions());
      },
    });
    return registry;
  }

  record(labels: CallLabels, latencyMs: number, code: ErrorCode | undefined): void {
    const { agent, server, tool, operation, decision } = labels;
    tally(this.#calls, `${agent}\0${server}\0${tool}\0${operation}\0${decision}`, () => [
      agent,
      server,
      tool,
      operation,
      decision,
    ]);
    if (code !== undefined) {
      tally(this.#errors, `${code}\0${agent}\0${server}\0${operation}`, () => [
        code,
        agent,
        server,
        operation,
      ]);
    }
    const latencyKey = `${operation}\0${server}`;
    let latency = this.#latency.get(latencyKey);
    if (latency === undefined) {
      const bounded = this.#latency.size < MAX_CHILDREN;
      const key = bounded ? latencyKey : `${OTHER}\0${OTHER}`;
      latency =
        this.#latency.get(key) ??
        new Buckets(bounded ? { operation, server } : { operation: OTHER, server: OTHER });
      this.#latency.set(key, latency);
    }
    latency.observe(Number.isFinite(latencyMs) && latencyMs > 0 ? latencyMs / 1000 : 0);
  }

  setDownstreamStatus(source: () => Iterable<DownstreamStatus>): void {
    this.#downstreamSource = source;
  }

  setOpenSessions(count: number): void {
    this.#openSessions = count;
  }
}

// Past the cap, every new combination shares one tally whose labels are all `(other)`.
function tally(tallies: Map<string, Tally>, key: string, labels: () => string[]): void {
  let entry = tallies.get(key);
  if (entry === undefined) {
    const values = labels();
    const bounded = tallies.size < MAX_CHILDREN ? values : values.map(() => OTHER);
    const boundedKey = bounded.join('\0');
    entry = tallies.get(boundedKey) ?? { labels: bounded, count: 0 };
    tallies.set(boundedKey, entry);
  }
  entry.count += 1;
}

function publish(counter: Counter, tallies: ReadonlyMap<string, Tally>): void {
  counter.reset();
  // A tally reached through several keys (the shared `(other)` one) is published once.
  for (const entry of new Set(tallies.values())) counter.labels(...entry.labels).inc(entry.count);
}

/** What prom-client's Registry formats for each line of a metric (its `get()` contract). */
interface ExportedValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

function histogramValues(
  name: string,
  help: string,
  histograms: ReadonlyMap<string, Buckets>,
): { name: string; help: string; type: 'histogram'; values: ExportedValue[]; aggregator: 'sum' } {
  const values: ExportedValue[] = [];
  for (const histogram of new Set(histograms.values())) {
    let cumulative = 0;
    LATENCY_BUCKETS_S.forEach((bound, index) => {
      cumulative += histogram.counts[index] ?? 0;
      values.push({
        metricName: `${name}_bucket`,
        labels: { ...histogram.labels, le: bound },
        value: cumulative,
      });
    });
    values.push(
      { metricName: `${name}_bucket`, labels: { ...histogram.labels, le: '+Inf' }, value: histogram.count },
      { metricName: `${name}_sum`, labels: histogram.labels, value: histogram.sum },
      { metricName: `${name}_count`, labels: histogram.labels, value: histogram.count },
    );
  }
  return { name, help, type: 'histogram', values, aggregator: 'sum' };
}
