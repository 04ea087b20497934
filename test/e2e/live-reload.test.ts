/**
 * Hot reload (SPEC §12) against the built gateway with real downstream processes: debounced
 * watching of both files (in-place writes and atomic renames), SIGHUP, invalid files keeping the
 * last good config, and the servers diff (added / removed / changed / description only) with
 * in-flight calls finishing on the session they started with.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import {
  descendantPids,
  fixtureServer,
  isAlive,
  startGateway,
  structured,
  type RunningGateway,
} from './harness.ts';
import {
  assertExits,
  delay,
  errorCode,
  execute,
  gatewayStatus,
  saveAtomically,
  serverPid,
  textOf,
  waitForAttempts,
} from './live-helpers.ts';

const allowAll = { allow: { servers: ['*'] } };

function rulesWith(agents: Record<string, unknown>): unknown {
  return { agents: { default: allowAll, ...agents } };
}

function multiTool(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return fixtureServer('multi-tool', ['--name', name], extra);
}

async function listedServers(
  gateway: RunningGateway,
  agent?: string,
): Promise<{ name: string; description?: string }[]> {
  const result = await gateway.call('list_servers', agent === undefined ? {} : { agent_id: agent });
  assert.ok(!result.isError, JSON.stringify(result));
  return structured<{ servers: { name: string; description?: string }[] }>(result).servers;
}

describe('hot reload of the rules file', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startGateway({ servers: { a: multiTool('a') }, rules: rulesWith({}), args: ['--debug'] });
  });
  after(() => gateway.close());

  it('reloads once for 10 writes within 200 ms, and the last write wins', async () => {
    const start = (await gatewayStatus(gateway)).reload_status.gateway_rules;
    assert.equal(start.attempt_count, 1, 'the start-up load is the first attempt');
    for (let i = 0; i < 10; i += 1) {
      await writeFile(gateway.rulesPath, JSON.stringify(rulesWith({ [`burst_${i}`]: allowAll })));
      await delay(15);
    }
    await waitForAttempts(gateway, 'gateway_rules', 2);
    // Longer than the debounce: a second reload of the same burst would show up by now.
    await delay(700);
    const status = await gatewayStatus(gateway);
    assert.equal(status.reload_status.gateway_rules.attempt_count, 2);
    assert.equal(status.reload_status.gateway_rules.success_count, 2);
    assert.deepEqual(status.policy_state.agent_ids.sort(), ['burst_9', 'default']);
    assert.equal(status.reload_status.mcp_config.attempt_count, 1, 'the other file was not reloaded');
  });

  it('keeps the last good rules when the file turns invalid, reports the JSON path, then takes a valid file', async () => {
    const before = (await gatewayStatus(gateway)).reload_status.gateway_rules;
    await writeFile(
      gateway.rulesPath,
      JSON.stringify({ agents: { default: { allow: { servers: 'not-a-list' } } } }),
    );
    const rejected = (await waitForAttempts(gateway, 'gateway_rules', before.attempt_count + 1)).reload_status
      .gateway_rules;
    assert.equal(rejected.success_count, before.success_count);
    assert.ok(rejected.last_error?.includes(gateway.rulesPath), rejected.last_error ?? '');
    assert.ok(rejected.last_error?.includes('agents.default.allow.servers'), rejected.last_error ?? '');
    assert.match(gateway.stderr(), /reload rejected, last good rules file kept/);
    // The last good rules are still in force: burst_9 may list servers.
    assert.deepEqual(
      (await listedServers(gateway, 'burst_9')).map((server) => server.name),
      ['a'],
    );

    await writeFile(
      gateway.rulesPath,
      JSON.stringify(rulesWith({ default: { deny: { servers: ['a'] }, allow: { servers: ['*'] } } })),
    );
    const accepted = (await waitForAttempts(gateway, 'gateway_rules', before.attempt_count + 2)).reload_status
      .gateway_rules;
    assert.equal(accepted.last_error, null);
    assert.equal(accepted.success_count, before.success_count + 1);
    // The very next call sees the new rules.
    assert.equal(errorCode(await execute(gateway, 'a', 'echo', { text: 'x' })), 'DENIED_BY_POLICY');
    assert.equal(errorCode(await gateway.call('list_servers', { agent_id: 'burst_9' })), 'INVALID_AGENT_ID');
  });

  it('applies a good servers file while the rules file is invalid', async () => {
    const before = (await gatewayStatus(gateway)).reload_status;
    await writeFile(gateway.rulesPath, '{"agents": {');
    await writeFile(
      gateway.serversPath,
      JSON.stringify({ mcpServers: { a: multiTool('a'), b: multiTool('b', { description: 'second' }) } }),
    );
    await waitForAttempts(gateway, 'gateway_rules', before.gateway_rules.attempt_count + 1);
    const status = await waitForAttempts(gateway, 'mcp_config', before.mcp_config.attempt_count + 1);
    assert.ok(status.reload_status.gateway_rules.last_error?.includes(gateway.rulesPath));
    assert.equal(status.reload_status.mcp_config.last_error, null);
    assert.deepEqual(await listedServers(gateway), [{ name: 'b', description: 'second' }]);
    assert.equal(textOf(await execute(gateway, 'b', 'echo', { text: 'hi' })), 'hi');
  });

  it('reloads both files on SIGHUP, each counting as an attempt even when unchanged', async () => {
    const before = (await gatewayStatus(gateway)).reload_status;
    process.kill(gateway.pid, 'SIGHUP');
    await waitForAttempts(gateway, 'mcp_config', before.mcp_config.attempt_count + 1);
    const status = await waitForAttempts(gateway, 'gateway_rules', before.gateway_rules.attempt_count + 1);
    assert.equal(status.reload_status.mcp_config.success_count, before.mcp_config.success_count + 1);
    // The rules file is still broken: attempted, not accepted.
    assert.equal(status.reload_status.gateway_rules.success_count, before.gateway_rules.success_count);
  });

  it('sees an atomic rename save and reports warnings of the new file', async () => {
    const before = (await gatewayStatus(gateway)).reload_status.gateway_rules;
    await saveAtomically(gateway.rulesPath, rulesWith({ reader: { allow: { servers: ['ghost'] } } }));
    const status = (await waitForAttempts(gateway, 'gateway_rules', before.attempt_count + 1)).reload_status
      .gateway_rules;
    assert.equal(status.last_error, null);
    assert.ok(
      status.last_warnings.some((warning) => warning.includes('ghost')),
      JSON.stringify(status.last_warnings),
    );
    assert.deepEqual(await listedServers(gateway, 'reader'), []);
  });
});

describe('hot reload of the servers file', () => {
  let gateway: RunningGateway;
  const seenPids = new Set<number>();

  before(async () => {
    gateway = await startGateway({
      servers: {
        keep: multiTool('keep'),
        gone: multiTool('gone'),
        moved: multiTool('moved'),
        described: multiTool('described', { description: 'old description' }),
      },
      args: ['--debug'],
    });
  });
  after(async () => {
    await gateway.close();
    for (const pid of seenPids)
      assert.equal(isAlive(pid), false, `downstream pid ${pid} outlived the gateway`);
  });

  it('touches only added, removed and changed servers, and lets an in-flight call finish on a removed one', async () => {
    const pids: Record<string, number> = {};
    for (const name of ['keep', 'gone', 'moved', 'described']) pids[name] = await serverPid(gateway, name);
    for (const pid of Object.values(pids)) seenPids.add(pid);

    const inFlight = execute(gateway, 'gone', 'sleep', { ms: 1500 });
    await delay(300);
    await writeFile(
      gateway.serversPath,
      JSON.stringify({
        mcpServers: {
          keep: multiTool('keep'),
          moved: multiTool('moved', {
            args: [...(multiTool('moved').args as string[]), '--extra-tools', '1'],
          }),
          described: multiTool('described', { description: 'new description' }),
          fresh: multiTool('fresh'),
        },
      }),
    );
    await waitForAttempts(gateway, 'mcp_config', 2);

    // New calls see the new config at once.
    assert.deepEqual(await listedServers(gateway), [
      { name: 'keep' },
      { name: 'moved' },
      { name: 'described', description: 'new description' },
      { name: 'fresh' },
    ]);
    assert.equal(errorCode(await execute(gateway, 'gone', 'pid')), 'SERVER_NOT_FOUND');
    // The removed server's process waits for its in-flight call...
    assert.ok(isAlive(pids.gone!), 'the removed server was stopped under an in-flight call');
    const finished = await inFlight;
    assert.ok(!finished.isError, JSON.stringify(finished));
    assert.equal(textOf(finished), 'slept 1500 ms');
    // ...then exits.
    await assertExits(pids.gone!, 'the removed server');
    await assertExits(pids.moved!, 'the old process of the changed server');

    assert.equal(await serverPid(gateway, 'keep'), pids.keep, 'an unchanged server keeps its process');
    assert.equal(
      await serverPid(gateway, 'described'),
      pids.described,
      'a description change restarts nothing',
    );
    const movedPid = await serverPid(gateway, 'moved');
    const freshPid = await serverPid(gateway, 'fresh');
    seenPids.add(movedPid).add(freshPid);
    assert.notEqual(movedPid, pids.moved);

    const children = await descendantPids(gateway.pid);
    for (const pid of [pids.keep!, pids.described!, movedPid, freshPid]) assert.ok(children.includes(pid));
    for (const pid of [pids.gone!, pids.moved!]) assert.ok(!children.includes(pid));
  });

  it('keeps the last good servers when the servers file turns invalid', async () => {
    const before = (await gatewayStatus(gateway)).reload_status.mcp_config;
    await writeFile(
      gateway.serversPath,
      JSON.stringify({ mcpServers: { keep: { command: 'x', url: 'http://x' } } }),
    );
    const status = (await waitForAttempts(gateway, 'mcp_config', before.attempt_count + 1)).reload_status
      .mcp_config;
    assert.ok(status.last_error?.includes('mcpServers.keep'), status.last_error ?? '');
    assert.match(gateway.stderr(), /reload rejected, last good servers file kept/);
    assert.deepEqual(
      (await listedServers(gateway)).map((server) => server.name),
      ['keep', 'moved', 'described', 'fresh'],
    );
  });
});
