/**
 * End-to-end: the gateway tools in front of published MCP servers installed from npm
 * (`@modelcontextprotocol/server-memory` and `@modelcontextprotocol/server-everything`),
 * through the built CLI over stdio.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { publishedServer, startGateway, type RunningGateway } from './harness.ts';
import { expectError, expectJson } from './gateway-test-helpers.ts';

interface ToolEntry {
  name: string;
  title?: string;
  annotations?: Record<string, unknown>;
}

const textOf = (result: Awaited<ReturnType<RunningGateway['call']>>): string =>
  result.content.map((block) => (block.type === 'text' ? block.text : '')).join('');

describe('gateway in front of published servers', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startGateway({
      servers: {
        // HOME is the test's temp dir, so the knowledge graph file lands there.
        memory: publishedServer('@modelcontextprotocol/server-memory', [], {
          env: { MEMORY_FILE_PATH: '${HOME}/memory.jsonl' },
        }),
        everything: publishedServer('@modelcontextprotocol/server-everything', ['stdio']),
      },
      // Both servers take a while to start: start them side by side.
      env: { GATEWAY_INIT_STRATEGY: 'eager' },
    });
  });
  after(() => gateway?.close());

  it('creates entities in server-memory and reads them back from its graph', async () => {
    const created = await gateway.call('execute_tool', {
      server: 'memory',
      tool: 'create_entities',
      args: {
        entities: [
          { name: 'gateway-e2e', entityType: 'test', observations: ['created through the gateway'] },
        ],
      },
    });
    assert.notEqual(created.isError, true, JSON.stringify(created));
    const graph = await gateway.call('execute_tool', { server: 'memory', tool: 'read_graph', args: {} });
    assert.notEqual(graph.isError, true, JSON.stringify(graph));
    const parsed = JSON.parse(textOf(graph)) as {
      entities: { name: string; entityType: string; observations: string[] }[];
    };
    assert.deepStrictEqual(parsed.entities, [
      { name: 'gateway-e2e', entityType: 'test', observations: ['created through the gateway'] },
    ]);
    const stored = await readFile(join(gateway.dir, 'memory.jsonl'), 'utf8');
    assert.match(stored, /gateway-e2e/);
  });

  it("lists server-everything's tools with their titles and annotations", async () => {
    const result = expectJson<{ tools: ToolEntry[]; total_available: number }>(
      await gateway.call('get_server_tools', { server: 'everything' }),
    );
    const byName = new Map(result.tools.map((tool) => [tool.name, tool]));
    assert.ok(result.total_available >= 2);
    assert.equal(byName.get('echo')?.title, 'Echo Tool');
    assert.equal(byName.get('get-sum')?.title, 'Get Sum Tool');
    assert.equal(byName.get('get-sum')?.annotations?.readOnlyHint, true);
  });

  it('calls echo and get-sum on server-everything', async () => {
    const echo = await gateway.call('execute_tool', {
      server: 'everything',
      tool: 'echo',
      args: { message: 'through the gateway' },
    });
    assert.deepStrictEqual(echo.content, [{ type: 'text', text: 'Echo: through the gateway' }]);
    const sum = await gateway.call('execute_tool', {
      server: 'everything',
      tool: 'get-sum',
      args: { a: 2, b: 3 },
    });
    assert.deepStrictEqual(sum.content, [{ type: 'text', text: 'The sum of 2 and 3 is 5.' }]);
  });

  it("validates args against server-everything's published schema", async () => {
    const error = expectError(
      await gateway.call('execute_tool', { server: 'everything', tool: 'get-sum', args: { a: 'two' } }),
      'INVALID_ARGUMENTS',
    );
    assert.match(error.message, /"b"/);
  });
});
