/**
 * End-to-end: `get_gateway_status` in debug mode (SPEC §8, §11): reload status of both files,
 * policy state, per-server status, config paths and the metrics of the calls made.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { descendantPids, fixtureServer, startGateway, type RunningGateway } from './harness.ts';
import { expectError, expectJson } from './gateway-test-helpers.ts';
import type { FileReloadStatus } from '../../src/reload-tracker.ts';

const UNSET_VARIABLE = 'E2E_STATUS_UNSET_VARIABLE_K4';
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

interface Series {
  calls: number;
  errors: number;
  errors_by_code: Record<string, number>;
  latency_ms: { p50: number; p95: number; p99: number; max: number };
}

type ReloadStatus = FileReloadStatus;

interface Status {
  reload_status: { mcp_config: ReloadStatus; gateway_rules: ReloadStatus };
  policy_state: { total_agents: number; agent_ids: string[]; defaults: Record<string, unknown> };
  servers: {
    name: string;
    status: string;
    last_error: string | null;
    pid: number | null;
    in_flight: number;
  }[];
  config_paths: { mcp_config: string; gateway_rules: string };
  metrics: {
    total: Series;
    by_agent: Record<string, Series>;
    by_server: Record<string, Series>;
    by_tool: Record<string, Series>;
    by_operation: Record<string, Series>;
  };
}

describe('gateway get_gateway_status (debug)', () => {
  let gateway: RunningGateway;
  let status: Status;
  let statusText: string;

  before(async () => {
    gateway = await startGateway({
      args: ['--debug'],
      servers: {
        multi: fixtureServer('multi-tool'),
        needs_var: fixtureServer('multi-tool', [], { env: { TOKEN: `\${${UNSET_VARIABLE}}` } }),
        idle_one: fixtureServer('multi-tool'),
        vault: { url: 'https://user:secret@host:8443/p?token=abc', enabled: true },
      },
      rules: {
        agents: {
          alpha: { allow: { servers: ['*'] } },
          beta: { allow: { servers: ['idle_one', 'ghost_server'] } },
        },
      },
    });
    const ok = (result: Awaited<ReturnType<RunningGateway['call']>>) =>
      assert.notEqual(result.isError, true, JSON.stringify(result));
    expectJson(await gateway.call('list_servers', { agent_id: 'alpha' }));
    for (let call = 0; call < 2; call += 1) {
      ok(
        await gateway.call('execute_tool', {
          agent_id: 'alpha',
          server: 'multi',
          tool: 'echo',
          args: { text: 'x' },
        }),
      );
    }
    expectError(
      await gateway.call('execute_tool', { agent_id: 'alpha', server: 'multi', tool: 'rpc_error' }),
      'DOWNSTREAM_ERROR',
    );
    expectError(
      await gateway.call('execute_tool', {
        agent_id: 'beta',
        server: 'multi',
        tool: 'echo',
        args: { text: 'x' },
      }),
      'DENIED_BY_POLICY',
    );
    expectError(
      await gateway.call('execute_tool', {
        agent_id: 'alpha',
        server: 'needs_var',
        tool: 'echo',
        args: { text: 'x' },
      }),
      'SERVER_UNAVAILABLE',
    );
    const result = await gateway.call('get_gateway_status', { agent_id: 'alpha' });
    status = expectJson<Status>(result);
    statusText = JSON.stringify(result);
  });
  after(() => gateway?.close());

  it('reports the reload status of both files with their warnings', () => {
    for (const file of ['mcp_config', 'gateway_rules'] as const) {
      const reload = status.reload_status[file];
      assert.match(reload.last_attempt ?? '', ISO_UTC, file);
      assert.match(reload.last_success ?? '', ISO_UTC, file);
      assert.equal(reload.last_error, null, file);
      assert.equal(reload.attempt_count, 1, file);
      assert.equal(reload.success_count, 1, file);
      assert.ok(Array.isArray(reload.last_warnings), file);
    }
    assert.ok(
      status.reload_status.mcp_config.last_warnings.some((warning) => warning.includes(UNSET_VARIABLE)),
    );
    assert.ok(
      status.reload_status.gateway_rules.last_warnings.some((warning) => warning.includes('ghost_server')),
    );
  });

  it('reports the policy state and the config paths', () => {
    assert.deepStrictEqual(status.policy_state, {
      total_agents: 2,
      agent_ids: ['alpha', 'beta'],
      defaults: { deny_on_missing_agent: false },
    });
    assert.deepStrictEqual(status.config_paths, {
      mcp_config: gateway.serversPath,
      gateway_rules: gateway.rulesPath,
    });
  });

  it('reports every server with its status and last error, in config order', () => {
    assert.deepStrictEqual(
      status.servers.map(({ name, status: state }) => [name, state]),
      [
        ['multi', 'connected'],
        ['needs_var', 'unavailable'],
        ['idle_one', 'idle'],
        ['vault', 'idle'],
      ],
    );
    const [multi, needsVar, idle] = status.servers;
    assert.equal(multi?.last_error, null);
    assert.match(needsVar?.last_error ?? '', new RegExp(UNSET_VARIABLE));
    assert.equal(idle?.last_error, null);
  });

  it('shows the pid of a running stdio server, which is the gateway child, and nothing in flight', async () => {
    const [multi, , idle] = status.servers;
    assert.deepEqual(await descendantPids(gateway.pid), [multi?.pid]);
    assert.equal(idle?.pid, null);
    assert.equal(multi?.in_flight, 0);
  });

  it('never shows URL credentials', () => {
    assert.ok(!statusText.includes('secret'), 'status leaked the URL password');
    assert.ok(!statusText.includes('token=abc'), 'status leaked the URL query');
  });

  it('counts the calls made per agent, server, tool and operation, with errors by code', () => {
    const { metrics } = status;
    assert.equal(metrics.total.calls, 6);
    assert.equal(metrics.total.errors, 3);
    assert.deepStrictEqual(metrics.total.errors_by_code, {
      DOWNSTREAM_ERROR: 1,
      DENIED_BY_POLICY: 1,
      SERVER_UNAVAILABLE: 1,
    });
    assert.equal(metrics.by_agent.alpha?.calls, 5);
    assert.deepStrictEqual(metrics.by_agent.alpha?.errors_by_code, {
      DOWNSTREAM_ERROR: 1,
      SERVER_UNAVAILABLE: 1,
    });
    assert.equal(metrics.by_agent.beta?.calls, 1);
    assert.deepStrictEqual(metrics.by_agent.beta?.errors_by_code, { DENIED_BY_POLICY: 1 });
    assert.equal(metrics.by_server.multi?.calls, 4);
    assert.equal(metrics.by_server.multi?.errors, 2);
    assert.equal(metrics.by_server.needs_var?.calls, 1);
    assert.equal(metrics.by_tool['multi/echo']?.calls, 3);
    assert.deepStrictEqual(metrics.by_tool['multi/echo']?.errors_by_code, { DENIED_BY_POLICY: 1 });
    assert.equal(metrics.by_tool['multi/rpc_error']?.calls, 1);
    assert.equal(metrics.by_operation.list_servers?.calls, 1);
    assert.equal(metrics.by_operation.execute_tool?.calls, 5);
    assert.equal(metrics.by_operation.execute_tool?.errors, 3);
  });

  it('reports ordered latency percentiles', () => {
    for (const series of [status.metrics.total, ...Object.values(status.metrics.by_tool)]) {
      const { p50, p95, p99, max } = series.latency_ms;
      for (const value of [p50, p95, p99, max]) assert.ok(Number.isFinite(value) && value >= 0);
      assert.ok(p50 <= p95 && p95 <= p99 && p99 <= max, JSON.stringify(series.latency_ms));
    }
    assert.ok(status.metrics.by_operation.execute_tool!.latency_ms.max > 0);
  });

  it('counts itself in the next status', async () => {
    const next = expectJson<Status>(await gateway.call('get_gateway_status', { agent_id: 'alpha' }));
    assert.equal(next.metrics.total.calls, 7);
    assert.equal(next.metrics.by_operation.get_gateway_status?.calls, 1);
  });

  it('still resolves the caller: an unknown agent gets INVALID_AGENT_ID', async () => {
    expectError(await gateway.call('get_gateway_status', { agent_id: 'ghost' }), 'INVALID_AGENT_ID');
  });
});

describe('gateway errors of a remote server with credentials in its URL', () => {
  it('never carry the password or query string, in results, status or logs', async () => {
    const gateway = await startGateway({
      args: ['--debug'],
      // Port 1 on loopback refuses at once: the connection error is immediate.
      servers: { leaky: { url: 'https://user:secret@127.0.0.1:1/p?token=abc' } },
    });
    try {
      const result = await gateway.call('execute_tool', { server: 'leaky', tool: 'echo', args: {} });
      expectError(result, 'SERVER_UNAVAILABLE');
      const status = await gateway.call('get_gateway_status');
      expectJson(status);
      for (const [where, text] of [
        ['execute_tool', JSON.stringify(result)],
        ['get_gateway_status', JSON.stringify(status)],
        ['stderr', gateway.stderr()],
      ] as const) {
        assert.ok(!text.includes('secret'), `${where} leaked the URL password`);
        assert.ok(!text.includes('token=abc'), `${where} leaked the URL query`);
      }
    } finally {
      await gateway.close();
    }
  });
});
