/**
 * End-to-end: the audit log of SPEC §10 as the built CLI writes it: one line per gateway tool
 * call with a fixed set of fields, the right decision, never the arguments or results, `off`
 * honoured, and a broken audit file never failing a call.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixtureServer, startGateway, waitForExit, type RunningGateway } from './harness.ts';
import { expectError, expectJson, waitForAuditLines } from './gateway-test-helpers.ts';

const AUDIT_FIELDS = [
  'timestamp',
  'agent_id',
  'identity_source',
  'principal',
  'transport',
  'operation',
  'server',
  'tool',
  'decision',
  'error_code',
  'rule',
  'latency_ms',
  'downstream_is_error',
].sort();

const ARG_MARKER = 'audit-arg-marker-2b9c51';
const DENIED_ARG_MARKER = 'audit-denied-marker-77d0e4';
const RESULT_MARKER = 'audit-result-marker-c3a8';

const RULES = {
  agents: {
    default: { allow: { servers: ['multi'] } },
    backend: { allow: { servers: ['multi'] }, deny: { tools: { multi: ['pid'] } } },
  },
};

describe('gateway audit log', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startGateway({ servers: { multi: fixtureServer('multi-tool') }, rules: RULES });
  });
  after(() => gateway?.close());

  it('writes one line per gateway call with exactly the SPEC fields and the right decision', async () => {
    const allowed = await gateway.call('execute_tool', {
      agent_id: 'backend',
      server: 'multi',
      tool: 'echo',
      args: { text: ARG_MARKER },
    });
    assert.deepStrictEqual(allowed.structuredContent, { text: ARG_MARKER });
    const denied = expectError(
      await gateway.call('execute_tool', {
        agent_id: 'backend',
        server: 'multi',
        tool: 'pid',
        args: { marker: DENIED_ARG_MARKER },
      }),
      'DENIED_BY_POLICY',
    );
    const downstreamFailure = await gateway.call('execute_tool', {
      server: 'multi',
      tool: 'fail',
      args: { reason: RESULT_MARKER },
    });
    assert.equal(downstreamFailure.isError, true);
    expectError(
      await gateway.call('execute_tool', { agent_id: 'backend', server: 'multi', tool: 'no_such_tool' }),
      'TOOL_NOT_FOUND',
    );
    expectError(await gateway.call('list_servers', { agent_id: 'ghost' }), 'INVALID_AGENT_ID');
    expectJson(
      await gateway.call('get_server_tools', { agent_id: 'backend', server: 'multi', names: 'echo' }),
    );

    const lines = await waitForAuditLines(gateway, 6);
    assert.equal(lines.length, 6, JSON.stringify(lines));
    for (const line of lines) {
      assert.deepStrictEqual(Object.keys(line).sort(), AUDIT_FIELDS);
      const timestamp = line.timestamp as string;
      assert.match(timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      assert.equal(new Date(timestamp).toISOString().slice(0, 19), timestamp.slice(0, 19));
      assert.equal(typeof line.latency_ms, 'number');
      assert.ok((line.latency_ms as number) >= 0);
    }
    const [allow, deny, passThrough, notFound, badAgent, discovery] = lines;
    assert.deepStrictEqual(
      { ...allow, timestamp: undefined, latency_ms: undefined },
      {
        timestamp: undefined,
        agent_id: 'backend',
        identity_source: 'argument',
        principal: null,
        transport: 'stdio',
        operation: 'execute_tool',
        server: 'multi',
        tool: 'echo',
        decision: 'allow',
        error_code: null,
        rule: 'implicit grant',
        latency_ms: undefined,
        downstream_is_error: false,
      },
    );
    assert.deepStrictEqual(
      { ...deny, timestamp: undefined, latency_ms: undefined },
      {
        timestamp: undefined,
        agent_id: 'backend',
        identity_source: 'argument',
        principal: null,
        transport: 'stdio',
        operation: 'execute_tool',
        server: 'multi',
        tool: 'pid',
        decision: 'deny',
        error_code: 'DENIED_BY_POLICY',
        rule: denied.rule,
        latency_ms: undefined,
        downstream_is_error: null,
      },
    );
    assert.equal(deny?.rule, 'agents.backend.deny.tools.multi[0] ("pid")');
    assert.equal(passThrough?.agent_id, 'default');
    assert.equal(passThrough?.identity_source, 'default');
    assert.equal(passThrough?.decision, 'allow', 'a downstream isError is not an error of ours');
    assert.equal(passThrough?.error_code, null);
    assert.equal(passThrough?.downstream_is_error, true);
    assert.equal(notFound?.decision, 'error');
    assert.equal(notFound?.error_code, 'TOOL_NOT_FOUND');
    assert.equal(badAgent?.decision, 'deny');
    assert.equal(badAgent?.error_code, 'INVALID_AGENT_ID');
    assert.equal(badAgent?.operation, 'list_servers');
    assert.equal(badAgent?.agent_id, 'ghost', 'the attempted id is recorded');
    assert.equal(discovery?.operation, 'get_server_tools');
    assert.equal(discovery?.decision, 'allow');
    assert.equal(discovery?.server, 'multi');
    assert.equal(discovery?.tool, null);
  });

  it('never writes tool arguments or results', async () => {
    await waitForAuditLines(gateway, 6);
    const text = JSON.stringify(await gateway.auditLines());
    for (const marker of [ARG_MARKER, DENIED_ARG_MARKER, RESULT_MARKER, 'failed:']) {
      assert.ok(!text.includes(marker), `the audit log contains ${marker}`);
    }
  });

  it('records the attempted agent id, server and tool of a refused identity', async () => {
    const refused = await startGateway({ servers: { multi: fixtureServer('multi-tool') }, rules: RULES });
    try {
      const long = 'x'.repeat(300);
      expectError(
        await refused.call('execute_tool', { agent_id: 'ghost', server: 'multi', tool: 'echo' }),
        'INVALID_AGENT_ID',
      );
      expectError(await refused.call('list_servers', { agent_id: long }), 'INVALID_AGENT_ID');
      const [ghost, huge] = await waitForAuditLines(refused, 2);
      assert.equal(ghost?.agent_id, 'ghost');
      assert.equal(ghost?.server, 'multi');
      assert.equal(ghost?.tool, 'echo');
      assert.equal(ghost?.decision, 'deny');
      assert.equal(huge?.agent_id, `${'x'.repeat(128)}…`, 'a huge id is truncated as the error shows it');
    } finally {
      await refused.close();
    }
  });

  it('records the env fallback as identity_source env', async () => {
    const fallback = await startGateway({
      rules: RULES,
      env: { GATEWAY_DEFAULT_AGENT: 'backend' },
    });
    try {
      expectJson(await fallback.call('list_servers'));
      const [line] = await waitForAuditLines(fallback, 1);
      assert.equal(line?.agent_id, 'backend');
      assert.equal(line?.identity_source, 'env');
      assert.equal(line?.decision, 'allow');
    } finally {
      await fallback.close();
    }
  });
});

describe('gateway audit settings', () => {
  it('writes no audit file at all with GATEWAY_AUDIT_LOG=off', async () => {
    const gateway = await startGateway({ env: { GATEWAY_AUDIT_LOG: 'off' } });
    try {
      expectJson(await gateway.call('list_servers'));
      expectError(await gateway.call('list_servers', { agent_id: 'ghost' }), 'INVALID_AGENT_ID');
      // Let the gateway exit (which flushes any audit sink) before looking at the disk.
      await gateway.client.close();
      assert.ok(await waitForExit(gateway.pid, 10_000), 'the gateway exited');
      const files = await readdir(gateway.dir, { recursive: true });
      assert.deepStrictEqual(files.filter((file) => !file.startsWith('.mcp')).sort(), []);
    } finally {
      await gateway.close();
    }
  });

  it('keeps answering calls when the audit file cannot be written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gateway-e2e-audit-'));
    const blocker = join(dir, 'not-a-directory');
    await writeFile(blocker, 'a regular file');
    const gateway = await startGateway({
      servers: { multi: fixtureServer('multi-tool') },
      env: { GATEWAY_AUDIT_LOG: join(blocker, 'audit.jsonl') },
    });
    try {
      for (let call = 0; call < 3; call += 1) {
        const result = await gateway.call('execute_tool', {
          server: 'multi',
          tool: 'echo',
          args: { text: `call ${call}` },
        });
        assert.deepStrictEqual(result.structuredContent, { text: `call ${call}` });
      }
      expectJson(await gateway.call('list_servers'));
      const deadline = Date.now() + 5000;
      while (!/audit write failed/.test(gateway.stderr()) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.match(gateway.stderr(), /audit write failed/, 'the failure is logged to stderr');
    } finally {
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
