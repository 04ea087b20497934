import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetrics } from '../../metrics/metrics.ts';
import { renderSnapshotMetrics } from './snapshot-metrics.ts';

describe('renderSnapshotMetrics', () => {
  it('renders calls and errors per dimension, latency quantiles and open sessions as Prometheus text', () => {
    const metrics = createMetrics();
    metrics.record({
      agentId: 'alpha',
      server: 'multi',
      tool: 'echo',
      operation: 'execute_tool',
      latencyMs: 2,
    });
    metrics.record({
      agentId: 'alpha',
      server: 'multi',
      tool: 'echo',
      operation: 'execute_tool',
      latencyMs: 3,
      errorCode: 'TIMEOUT',
    });
    const text = renderSnapshotMetrics(metrics.snapshot(), 4);
    assert.match(text, /^# TYPE gateway_calls_total counter$/m);
    assert.match(text, /^gateway_calls_total\{agent="alpha"\} 2$/m);
    assert.match(text, /^gateway_calls_total\{tool="multi\/echo"\} 2$/m);
    assert.match(text, /^gateway_call_errors_total\{operation="execute_tool",code="TIMEOUT"\} 1$/m);
    assert.match(text, /^gateway_call_latency_ms\{quantile="0\.99"\} \d/m);
    assert.match(text, /^gateway_http_sessions_open 4$/m);
    assert.ok(text.endsWith('\n'));
  });
});
