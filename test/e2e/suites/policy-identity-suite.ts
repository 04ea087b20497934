/**
 * Agent identity (SPEC §7) and policy decisions (SPEC §6, §9) as a client of any gateway under
 * test sees them: every identity code, the exact `rule` of a denial, and policy checked before
 * existence. Run by gateway-policy-identity.test.ts (the built CLI) and test/in-process/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixtureServer, type RunningGateway, type StartGateway } from '../harness.ts';
import { expectError, expectJson } from '../gateway-test-helpers.ts';

const serverNames = async (gateway: RunningGateway, args: Record<string, unknown> = {}): Promise<string[]> =>
  expectJson<{ servers: { name: string }[] }>(await gateway.call('list_servers', args)).servers.map(
    (server) => server.name,
  );

/** The policy and identity tests against `start`; `label` tells the variants apart in the report. */
export function policyIdentitySuite(start: StartGateway, label = ''): void {
  describe('gateway agent identity' + label, () => {
    /** Two lazily started servers, so that each agent's view of list_servers tells who it is. */
    const servers = { a: fixtureServer('multi-tool'), b: fixtureServer('multi-tool') };
    const gateways = {} as Record<
      'main' | 'required' | 'badFallback' | 'envFallback' | 'noFallback',
      RunningGateway
    >;

    before(async () => {
      const started = await Promise.allSettled([
        start({
          servers,
          rules: {
            agents: { default: { allow: { servers: ['b'] } }, alpha: { allow: { servers: ['a'] } } },
          },
        }),
        start({
          servers,
          rules: {
            agents: { default: { allow: { servers: ['b'] } }, alpha: { allow: { servers: ['a'] } } },
            defaults: { deny_on_missing_agent: true },
          },
          env: { GATEWAY_DEFAULT_AGENT: 'alpha' },
        }),
        start({
          servers,
          rules: { agents: { default: { allow: { servers: ['b'] } } } },
          env: { GATEWAY_DEFAULT_AGENT: 'ghost' },
        }),
        start({
          servers,
          rules: {
            agents: { default: { allow: { servers: ['b'] } }, alpha: { allow: { servers: ['a'] } } },
          },
          env: { GATEWAY_DEFAULT_AGENT: 'alpha' },
        }),
        start({ servers, rules: { agents: { alpha: { allow: { servers: ['a'] } } } } }),
      ]);
      const names = ['main', 'required', 'badFallback', 'envFallback', 'noFallback'] as const;
      started.forEach((outcome, index) => {
        if (outcome.status === 'fulfilled') gateways[names[index]!] = outcome.value;
      });
      const failed = started.find((outcome) => outcome.status === 'rejected');
      if (failed) throw failed.reason;
    });
    after(() => Promise.all(Object.values(gateways).map((gateway) => gateway.close())));

    it('uses the agent named by agent_id', async () => {
      assert.deepStrictEqual(await serverNames(gateways.main, { agent_id: 'alpha' }), ['a']);
    });

    it('refuses an agent_id the rules do not define with INVALID_AGENT_ID', async () => {
      for (const operation of ['list_servers', 'get_server_tools', 'execute_tool']) {
        const error = expectError(
          await gateways.main.call(operation, { agent_id: 'ghost', server: 'a', tool: 'echo' }),
          'INVALID_AGENT_ID',
        );
        assert.match(error.message, /"ghost"/);
        assert.doesNotMatch(error.message, /alpha/, 'the message does not reveal other agents');
      }
      // Ids that name Object.prototype members are not agents either.
      for (const agentId of ['constructor', '__proto__', 'toString']) {
        expectError(await gateways.main.call('list_servers', { agent_id: agentId }), 'INVALID_AGENT_ID');
      }
    });

    it('refuses a malformed or non-string agent_id with INVALID_AGENT_ID', async () => {
      expectError(await gateways.main.call('list_servers', { agent_id: 'bad id!' }), 'INVALID_AGENT_ID');
      expectError(await gateways.main.call('list_servers', { agent_id: '../alpha' }), 'INVALID_AGENT_ID');
      expectError(await gateways.main.call('list_servers', { agent_id: 42 }), 'INVALID_AGENT_ID');
    });

    it('falls back to the agent named default when agent_id is missing or empty', async () => {
      assert.deepStrictEqual(await serverNames(gateways.main), ['b']);
      assert.deepStrictEqual(await serverNames(gateways.main, { agent_id: '' }), ['b']);
    });

    it('requires agent_id when deny_on_missing_agent is true, even with GATEWAY_DEFAULT_AGENT set', async () => {
      const error = expectError(await gateways.required.call('list_servers'), 'INVALID_AGENT_ID');
      assert.match(error.message, /required/);
      assert.deepStrictEqual(await serverNames(gateways.required, { agent_id: 'alpha' }), ['a']);
    });

    it('answers FALLBACK_AGENT_NOT_IN_RULES when GATEWAY_DEFAULT_AGENT names an undefined agent', async () => {
      const error = expectError(
        await gateways.badFallback.call('list_servers'),
        'FALLBACK_AGENT_NOT_IN_RULES',
      );
      assert.match(error.message, /ghost/);
      // The env fallback comes before the `default` agent: it is not silently skipped.
      assert.deepStrictEqual(await serverNames(gateways.badFallback, { agent_id: 'default' }), ['b']);
    });

    it('uses GATEWAY_DEFAULT_AGENT before the default agent', async () => {
      assert.deepStrictEqual(await serverNames(gateways.envFallback), ['a']);
    });

    it('answers NO_FALLBACK_CONFIGURED when no agent_id is given and no fallback exists', async () => {
      expectError(await gateways.noFallback.call('list_servers'), 'NO_FALLBACK_CONFIGURED');
      expectError(
        await gateways.noFallback.call('execute_tool', { server: 'a', tool: 'echo', args: { text: 'x' } }),
        'NO_FALLBACK_CONFIGURED',
      );
      assert.deepStrictEqual(await serverNames(gateways.noFallback, { agent_id: 'alpha' }), ['a']);
    });
  });

  describe('gateway policy decisions' + label, () => {
    let gateway: RunningGateway;

    before(async () => {
      gateway = await start({
        servers: { multi: fixtureServer('multi-tool'), secret_store: fixtureServer('multi-tool') },
        rules: {
          agents: {
            backend: {
              allow: { servers: ['multi', 'other*'], tools: { multi: ['echo', 'rpc_*', 'a?d'] } },
              deny: { tools: { multi: ['rpc_*'] } },
            },
            'team.role': { allow: { servers: ['*'] }, deny: { servers: ['secret*'] } },
            narrow: { allow: { servers: ['multi'] } },
          },
        },
      });
    });
    after(() => gateway?.close());

    const execute = (agent: string, server: string, tool: string, args: Record<string, unknown> = {}) =>
      gateway.call('execute_tool', { agent_id: agent, server, tool, args });

    it('denies a tool with the exact rule that matched', async () => {
      const error = expectError(await execute('backend', 'multi', 'rpc_error'), 'DENIED_BY_POLICY');
      assert.equal(error.rule, 'agents.backend.deny.tools.multi[0] ("rpc_*")');
      assert.equal(error.agent_id, 'backend');
      assert.equal(error.server, 'multi');
      assert.equal(error.tool, 'rpc_error');
    });

    it('denies a tool no allow rule names with rule "no matching allow rule"', async () => {
      const error = expectError(await execute('backend', 'multi', 'pid'), 'DENIED_BY_POLICY');
      assert.equal(error.rule, 'no matching allow rule');
    });

    it('allows tools matched by explicit and wildcard allow rules', async () => {
      const echo = await execute('backend', 'multi', 'echo', { text: 'hi' });
      assert.deepStrictEqual(echo.structuredContent, { text: 'hi' });
      const add = await execute('backend', 'multi', 'add', { a: 1, b: 2 });
      assert.deepStrictEqual(add.content, [{ type: 'text', text: '3' }]);
      const implicit = await execute('narrow', 'multi', 'echo', { text: 'implicit' });
      assert.deepStrictEqual(implicit.structuredContent, { text: 'implicit' });
    });

    it('denies a server with the exact server rule, for a dotted agent id', async () => {
      const error = expectError(await execute('team.role', 'secret_store', 'echo'), 'DENIED_BY_POLICY');
      assert.equal(error.rule, 'agents["team.role"].deny.servers[0] ("secret*")');
      assert.deepStrictEqual(await serverNames(gateway, { agent_id: 'team.role' }), ['multi']);
    });

    it('checks policy before existence: a forbidden server never reveals whether a tool exists', async () => {
      const missing = expectError(
        await execute('backend', 'secret_store', 'no_such_tool'),
        'DENIED_BY_POLICY',
      );
      const existing = expectError(await execute('backend', 'secret_store', 'echo'), 'DENIED_BY_POLICY');
      assert.equal(missing.rule, 'no matching allow rule');
      assert.equal(missing.message.replace('no_such_tool', 'echo'), existing.message);
      const tools = expectError(
        await gateway.call('get_server_tools', { agent_id: 'backend', server: 'secret_store' }),
        'DENIED_BY_POLICY',
      );
      assert.equal(tools.rule, 'no matching allow rule');
    });

    it('checks tool policy before existence on an accessible server', async () => {
      const error = expectError(await execute('backend', 'multi', 'no_such_tool'), 'DENIED_BY_POLICY');
      assert.equal(error.rule, 'no matching allow rule');
      expectError(await execute('narrow', 'multi', 'no_such_tool'), 'TOOL_NOT_FOUND');
    });

    it('answers SERVER_NOT_FOUND for an unconfigured server only to an agent whose rules allow it', async () => {
      const found = expectError(await execute('team.role', 'nowhere', 'echo'), 'SERVER_NOT_FOUND');
      assert.match(found.message, /nowhere/);
      const byAllowGlob = expectError(await execute('backend', 'other_db', 'echo'), 'SERVER_NOT_FOUND');
      assert.equal(byAllowGlob.server, 'other_db');
      const denied = expectError(await execute('narrow', 'nowhere', 'echo'), 'DENIED_BY_POLICY');
      assert.equal(denied.rule, 'no matching allow rule');
      const deniedByRule = expectError(
        await execute('team.role', 'secret_nowhere', 'echo'),
        'DENIED_BY_POLICY',
      );
      assert.equal(deniedByRule.rule, 'agents["team.role"].deny.servers[0] ("secret*")');
      expectError(
        await gateway.call('get_server_tools', { agent_id: 'narrow', server: 'nowhere' }),
        'DENIED_BY_POLICY',
      );
    });
  });
}
