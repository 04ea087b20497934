/**
 * End-to-end: `search_tools` (SPEC §17) through the built CLI: results are tools the agent may
 * call, an exact name ranks first, an unrelated query returns nothing, an unreachable server is
 * named in `unavailable`, and the index follows tools/list_changed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectError, expectJson } from './gateway-test-helpers.ts';
import { fixture, fixtureServer, startGateway, type RunningGateway } from './harness.ts';

interface SearchResult {
  results: { server: string; tool: string; description: string; score: number }[];
  searched_servers: string[];
  unavailable?: string[];
}

const RULES = {
  agents: {
    default: { allow: { servers: ['*'] } },
    careful: { allow: { servers: ['multi'] }, deny: { tools: { multi: ['sleep', 'crash'] } } },
  },
};

describe('gateway search_tools', () => {
  let gateway: RunningGateway;
  const search = async (args: Record<string, unknown>) =>
    expectJson<SearchResult>(await gateway.call('search_tools', args));

  before(async () => {
    gateway = await startGateway({
      servers: {
        multi: fixtureServer('multi-tool'),
        broken: { command: process.execPath, args: [fixture('failing'), '--exit-on-start'] },
      },
      rules: RULES,
    });
  });
  after(() => gateway?.close());

  it('finds a tool by what it does, with a one-sentence description, and names the server that is down', async () => {
    const found = await search({ query: 'add two numbers' });
    assert.deepStrictEqual(found.results[0] && [found.results[0].server, found.results[0].tool], [
      'multi',
      'add',
    ]);
    assert.equal(found.results[0]?.description, 'Adds two numbers and returns the sum as text.');
    assert.ok(found.results.length <= 5, 'limit defaults to 5');
    assert.deepStrictEqual(found.searched_servers, ['multi']);
    assert.deepStrictEqual(found.unavailable, ['broken']);
  });

  it('ranks an exact tool name (or server.tool) first', async () => {
    for (const query of ['echo_n', 'multi.echo_n']) {
      assert.equal((await search({ query })).results[0]?.tool, 'echo_n', query);
    }
  });

  it('returns an empty list for an unrelated query', async () => {
    assert.deepStrictEqual((await search({ query: 'book a flight to Lisbon' })).results, []);
  });

  it('never returns a tool the agent may not call', async () => {
    const denied = await search({ agent_id: 'careful', query: 'sleep crash', limit: 25 });
    assert.ok(
      !denied.results.some((result) => ['sleep', 'crash'].includes(result.tool)),
      JSON.stringify(denied),
    );
    const allowed = await search({ query: 'sleep', limit: 25 });
    assert.ok(allowed.results.some((result) => result.tool === 'sleep'));
  });

  it('refuses a server the agent may not access, and a missing query', async () => {
    expectError(
      await gateway.call('search_tools', { agent_id: 'careful', query: 'x', server: 'broken' }),
      'DENIED_BY_POLICY',
    );
    expectError(await gateway.call('search_tools', { query: '  ' }), 'INVALID_ARGUMENTS');
  });

  it('follows tools/list_changed: a tool added at run time is found', async () => {
    const added = await gateway.call('execute_tool', {
      server: 'multi',
      tool: 'add_tool',
      args: { name: 'zebra_striper' },
    });
    assert.notEqual(added.isError, true);
    let found: SearchResult | undefined;
    for (let attempt = 0; attempt < 50; attempt += 1) {
      found = await search({ query: 'zebra_striper' });
      if (found.results[0]?.tool === 'zebra_striper') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(found?.results[0]?.tool, 'zebra_striper');
  });
});
