import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics, OTHER_SERIES } from './metrics.ts';
import type { MetricsSample } from './metrics.ts';

function sample(overrides: Partial<MetricsSample> = {}): MetricsSample {
  return {
    agentId: 'backend',
    server: 'postgres',
    tool: 'query',
    operation: 'execute_tool',
    latencyMs: 10,
    ...overrides,
  };
}

describe('metrics', () => {
  it('reports calls, errors by code and latency per agent, server, tool and operation', () => {
    const metrics = createMetrics();
    metrics.record(sample({ latencyMs: 10 }));
    metrics.record(sample({ latencyMs: 20, errorCode: 'TIMEOUT' }));
    metrics.record(sample({ latencyMs: 30, errorCode: 'TIMEOUT' }));
    metrics.record(sample({ agentId: 'frontend', tool: 'drop_table', errorCode: 'DENIED_BY_POLICY' }));

    const snapshot = metrics.snapshot();
    assert.deepEqual(Object.keys(snapshot), [
      'started_at',
      'total',
      'by_agent',
      'by_server',
      'by_tool',
      'by_operation',
    ]);
    assert.equal(snapshot.total.calls, 4);
    assert.equal(snapshot.total.errors, 3);
    assert.deepEqual(snapshot.total.errors_by_code, { DENIED_BY_POLICY: 1, TIMEOUT: 2 });

    assert.deepEqual(Object.keys(snapshot.by_agent), ['backend', 'frontend']);
    assert.equal(snapshot.by_agent.backend!.calls, 3);
    assert.deepEqual(snapshot.by_agent.backend!.errors_by_code, { TIMEOUT: 2 });
    assert.deepEqual(snapshot.by_agent.frontend!.errors_by_code, { DENIED_BY_POLICY: 1 });

    assert.deepEqual(Object.keys(snapshot.by_server), ['postgres']);
    assert.deepEqual(Object.keys(snapshot.by_tool), ['postgres/query', 'postgres/drop_table']);
    assert.equal(snapshot.by_tool['postgres/query']!.errors, 2);
    assert.equal(snapshot.by_operation.execute_tool!.calls, 4);

    const latency = snapshot.by_tool['postgres/query']!.latency_ms;
    assert.deepEqual(Object.keys(latency), ['p50', 'p95', 'p99', 'max']);
    assert.ok(Math.abs(latency.p50 - 20) / 20 <= 0.02);
    assert.equal(latency.max, 30);
    assert.equal(latency.p99, 30);
  });

  it('reports an empty errors_by_code for a series without errors', () => {
    const metrics = createMetrics();
    metrics.record(sample());
    const { total } = metrics.snapshot();
    assert.equal(total.errors, 0);
    assert.deepEqual(total.errors_by_code, {});
  });

  it('counts calls without agent, server or tool only in the dimensions they have', () => {
    const metrics = createMetrics();
    metrics.record(sample({ agentId: null, server: null, tool: null, operation: 'list_servers' }));
    metrics.record(sample({ tool: null, operation: 'get_server_tools' }));
    const snapshot = metrics.snapshot();
    assert.equal(snapshot.total.calls, 2);
    assert.deepEqual(Object.keys(snapshot.by_operation), ['list_servers', 'get_server_tools']);
    assert.deepEqual(Object.keys(snapshot.by_agent), ['backend']);
    assert.equal(snapshot.by_server.postgres!.calls, 1);
    assert.deepEqual(snapshot.by_tool, {});
  });

  it('rounds latencies to a thousandth of a millisecond', () => {
    const metrics = createMetrics();
    metrics.record(sample({ latencyMs: 1.23456789 }));
    const { latency_ms } = metrics.snapshot().total;
    assert.equal(latency_ms.max, 1.235);
    assert.equal(latency_ms.p50, 1.235);
  });

  it('aggregates keys past the series cap under (other)', () => {
    const metrics = createMetrics({ maxSeries: 3 });
    for (let i = 0; i < 100; i += 1) {
      metrics.record(sample({ agentId: `agent-${i}`, server: `server-${i}`, tool: `tool-${i}` }));
    }
    metrics.record(sample({ agentId: 'agent-1' }));
    const snapshot = metrics.snapshot();
    assert.deepEqual(Object.keys(snapshot.by_agent), ['agent-0', 'agent-1', 'agent-2', OTHER_SERIES]);
    assert.equal(snapshot.by_agent['agent-1']!.calls, 2, 'a known key keeps counting on its own');
    assert.equal(snapshot.by_agent[OTHER_SERIES]!.calls, 97);
    assert.equal(Object.keys(snapshot.by_server).length, 4);
    assert.equal(Object.keys(snapshot.by_tool).length, 4);
    assert.equal(snapshot.total.calls, 101);
  });

  it('keeps memory bounded when a caller sprays random agent ids', () => {
    const metrics = createMetrics();
    for (let i = 0; i < 20_000; i += 1) metrics.record(sample({ agentId: `spray-${i}` }));
    const agents = metrics.snapshot().by_agent;
    assert.equal(Object.keys(agents).length, 1001);
    assert.equal(agents[OTHER_SERIES]!.calls, 19_000);
  });

  it('keeps an agent named __proto__ as an ordinary key', () => {
    const metrics = createMetrics();
    metrics.record(sample({ agentId: '__proto__' }));
    const agents = metrics.snapshot().by_agent;
    assert.ok(Object.hasOwn(agents, '__proto__'));
    assert.equal(
      (JSON.parse(JSON.stringify(agents)) as Record<string, { calls: number }>)['__proto__']!.calls,
      1,
    );
  });

  it('stamps the time it started counting and serialises to plain JSON', () => {
    const before = Date.now();
    const metrics = createMetrics();
    metrics.record(sample());
    const snapshot = metrics.snapshot();
    assert.match(snapshot.started_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.ok(Date.parse(snapshot.started_at) >= before - 1000);
    assert.deepEqual(JSON.parse(JSON.stringify(snapshot)), snapshot);
  });

  it('rejects an invalid series cap', () => {
    assert.throws(() => createMetrics({ maxSeries: -1 }), RangeError);
    assert.throws(() => createMetrics({ maxSeries: 1.5 }), RangeError);
  });
});
