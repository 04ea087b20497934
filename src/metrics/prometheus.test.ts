/** SPEC §11 / §14 `/metrics`: the Prometheus view counts what the snapshot counts, under bounded labels. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics, OTHER_SERIES, type MetricsSample } from './metrics.ts';

function sample(overrides: Partial<MetricsSample> = {}): MetricsSample {
  return {
    agentId: 'backend',
    server: 'postgres',
    tool: 'query',
    operation: 'execute_tool',
    latencyMs: 4,
    ...overrides,
  };
}

/** `name{labels} value` lines of one metric, as a map from the label text to the value. */
function series(text: string, name: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match?.[1] === name) found.set(match[2] ?? '', Number(match[3]));
  }
  return found;
}

describe('metrics: Prometheus exposition', () => {
  it('exposes calls by agent, server, tool, operation and decision, and errors by code', async () => {
    const metrics = createMetrics();
    metrics.record(sample());
    metrics.record(sample());
    metrics.record(sample({ errorCode: 'TIMEOUT' }));
    metrics.record(sample({ tool: 'drop', errorCode: 'DENIED_BY_POLICY' }));
    metrics.record(
      sample({
        agentId: null,
        server: null,
        tool: null,
        operation: 'list_servers',
        errorCode: 'INVALID_AGENT_ID',
      }),
    );
    const text = await metrics.exposition();

    assert.deepEqual(
      series(text, 'agent_mcp_gateway_calls_total'),
      new Map([
        ['{agent="backend",server="postgres",tool="query",operation="execute_tool",decision="allow"}', 2],
        ['{agent="backend",server="postgres",tool="query",operation="execute_tool",decision="error"}', 1],
        ['{agent="backend",server="postgres",tool="drop",operation="execute_tool",decision="deny"}', 1],
        ['{agent="(none)",server="(none)",tool="(none)",operation="list_servers",decision="deny"}', 1],
      ]),
    );
    assert.deepEqual(
      series(text, 'agent_mcp_gateway_errors_total'),
      new Map([
        ['{code="TIMEOUT",agent="backend",server="postgres",operation="execute_tool"}', 1],
        ['{code="DENIED_BY_POLICY",agent="backend",server="postgres",operation="execute_tool"}', 1],
        ['{code="INVALID_AGENT_ID",agent="(none)",server="(none)",operation="list_servers"}', 1],
      ]),
    );
    assert.match(metrics.contentType, /^text\/plain; version=0\.0\.4/);
  });

  it('counts the same calls and latency as the get_gateway_status snapshot', async () => {
    const metrics = createMetrics();
    for (let index = 0; index < 50; index += 1) {
      metrics.record(sample({ latencyMs: index, server: index % 2 === 0 ? 'postgres' : 'git' }));
    }
    const snapshot = metrics.snapshot();
    const text = await metrics.exposition();
    const calls = [...series(text, 'agent_mcp_gateway_calls_total').values()].reduce((a, b) => a + b, 0);
    assert.equal(calls, snapshot.total.calls);
    const counts = series(text, 'agent_mcp_gateway_call_duration_seconds_count');
    assert.equal(counts.get('{operation="execute_tool",server="git"}'), snapshot.by_server.git!.calls);
    const sums = [...series(text, 'agent_mcp_gateway_call_duration_seconds_sum').values()].reduce(
      (a, b) => a + b,
      0,
    );
    assert.ok(Math.abs(sums - (49 * 50) / 2 / 1000) < 1e-9, String(sums));
  });

  it('counts agents and servers that are not configured, and tools the catalog lacks, as (other)', async () => {
    const metrics = createMetrics();
    metrics.setConfiguredNames({
      agents: ['backend'],
      servers: ['postgres'],
      isKnownTool: (server, tool) => server === 'postgres' && tool === 'query',
    });
    metrics.record(sample());
    metrics.record(sample({ agentId: 'spray-1' }));
    metrics.record(sample({ agentId: 'spray-2', server: 'nowhere', tool: 'x' }));
    metrics.record(sample({ tool: 'made_up', errorCode: 'TOOL_NOT_FOUND' }));
    const snapshot = metrics.snapshot();
    assert.deepEqual(Object.keys(snapshot.by_agent), ['backend', OTHER_SERIES]);
    assert.equal(snapshot.by_agent[OTHER_SERIES]!.calls, 2);
    assert.deepEqual(Object.keys(snapshot.by_server), ['postgres', OTHER_SERIES]);
    assert.deepEqual(Object.keys(snapshot.by_tool), [
      'postgres/query',
      '(other)/(other)',
      'postgres/(other)',
    ]);

    const labels = [...series(await metrics.exposition(), 'agent_mcp_gateway_calls_total').keys()];
    assert.deepEqual(labels, [
      '{agent="backend",server="postgres",tool="query",operation="execute_tool",decision="allow"}',
      '{agent="(other)",server="postgres",tool="query",operation="execute_tool",decision="allow"}',
      '{agent="(other)",server="(other)",tool="(other)",operation="execute_tool",decision="allow"}',
      '{agent="backend",server="postgres",tool="(other)",operation="execute_tool",decision="error"}',
    ]);
  });

  it('keeps Prometheus labels within the series cap too', async () => {
    const metrics = createMetrics({ maxSeries: 2 });
    for (let index = 0; index < 50; index += 1) metrics.record(sample({ agentId: `agent-${index}` }));
    const agents = new Set(
      [...series(await metrics.exposition(), 'agent_mcp_gateway_calls_total').keys()].map(
        (labels) => /agent="([^"]*)"/.exec(labels)?.[1],
      ),
    );
    assert.deepEqual([...agents], ['agent-0', 'agent-1', OTHER_SERIES]);
  });

  it('reads downstream up/down at scrape time and shows the open HTTP sessions', async () => {
    const metrics = createMetrics();
    let up = true;
    metrics.setDownstreamStatus(() => [
      { server: 'postgres', up },
      { server: 'git', up: false },
    ]);
    metrics.setOpenSessions(3);
    let text = await metrics.exposition();
    assert.deepEqual(
      series(text, 'agent_mcp_gateway_downstream_up'),
      new Map([
        ['{server="postgres"}', 1],
        ['{server="git"}', 0],
      ]),
    );
    assert.deepEqual(series(text, 'agent_mcp_gateway_http_sessions_open'), new Map([['', 3]]));
    up = false;
    metrics.setOpenSessions(0);
    text = await metrics.exposition();
    assert.equal(series(text, 'agent_mcp_gateway_downstream_up').get('{server="postgres"}'), 0);
    assert.deepEqual(series(text, 'agent_mcp_gateway_http_sessions_open'), new Map([['', 0]]));
  });

  it('gives each gateway its own registry', async () => {
    const one = createMetrics();
    const two = createMetrics();
    one.record(sample());
    assert.equal(series(await two.exposition(), 'agent_mcp_gateway_calls_total').size, 0);
    assert.equal(series(await one.exposition(), 'agent_mcp_gateway_calls_total').size, 1);
  });

  it('escapes label values that a hostile caller chose', async () => {
    const metrics = createMetrics();
    metrics.record(sample({ tool: 'a"b\\c\nd' }));
    const text = await metrics.exposition();
    assert.ok(text.includes('tool="a\\"b\\\\c\\nd"'), text);
  });
});
