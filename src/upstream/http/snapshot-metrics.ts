import type { MetricsSnapshot, SeriesSnapshot } from '../../metrics/metrics.ts';

/**
 * Prometheus text from the in-memory metrics snapshot (SPEC §11), until /metrics reads the
 * prom-client registry: counters of calls and errors per agent, server, tool and operation, the
 * latency quantiles as a summary, and the open HTTP sessions. Label values are configured names
 * or the metrics' own `(other)` bucket, so cardinality stays bounded.
 */
export function renderSnapshotMetrics(snapshot: MetricsSnapshot, openSessions: number): string {
  const lines: string[] = [
    '# HELP gateway_calls_total Gateway tool calls.',
    '# TYPE gateway_calls_total counter',
    ...series(snapshot, (labels, s) => `gateway_calls_total{${labels}} ${s.calls}`),
    '# HELP gateway_call_errors_total Failed gateway tool calls by error code.',
    '# TYPE gateway_call_errors_total counter',
    ...series(snapshot, (labels, s) =>
      Object.entries(s.errors_by_code).map(
        ([code, n]) => `gateway_call_errors_total{${labels},code="${code}"} ${n}`,
      ),
    ),
    '# HELP gateway_call_latency_ms Gateway tool call latency in milliseconds.',
    '# TYPE gateway_call_latency_ms summary',
    ...(['p50', 'p95', 'p99'] as const).map(
      (q) => `gateway_call_latency_ms{quantile="0.${q.slice(1)}"} ${snapshot.total.latency_ms[q]}`,
    ),
    '# HELP gateway_http_sessions_open Open 2025-era HTTP sessions.',
    '# TYPE gateway_http_sessions_open gauge',
    `gateway_http_sessions_open ${openSessions}`,
  ];
  return `${lines.join('\n')}\n`;
}

function series(
  snapshot: MetricsSnapshot,
  line: (labels: string, series: SeriesSnapshot) => string | string[],
): string[] {
  const dimensions: [string, Record<string, SeriesSnapshot>][] = [
    ['agent', snapshot.by_agent],
    ['server', snapshot.by_server],
    ['tool', snapshot.by_tool],
    ['operation', snapshot.by_operation],
  ];
  return dimensions.flatMap(([name, byKey]) =>
    Object.entries(byKey).flatMap(([key, value]) => line(`${name}="${escapeLabel(key)}"`, value)),
  );
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
