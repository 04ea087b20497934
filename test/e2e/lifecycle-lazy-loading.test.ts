/**
 * Cold start (issue 4): a gateway whose servers start lazily answers `initialize` and
 * `list_servers` without loading what only later calls need: the client SDK (a downstream
 * session), Ajv (`execute_tool`) and the o200k tokenizer (`get_server_tools`, in a child process).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixtureServer, ROOT, startGateway, structured, type RunningGateway } from './harness.ts';

const MODULE_LOG_PRELOAD = join(ROOT, 'test', 'fixtures', 'module-log.mjs');

interface LoadedModules {
  /** What the gateway process loaded. */
  gateway: string[];
  /** What its child processes that run Node (the token counter) loaded. */
  others: string[];
}

/** Runs `calls` on a fresh gateway and returns the module paths that it and its children loaded. */
async function modulesLoadedBy(calls: (gateway: RunningGateway) => Promise<void>): Promise<LoadedModules> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-modules-'));
  try {
    const log = join(dir, 'modules.log');
    const gateway = await startGateway({
      servers: { fx: fixtureServer('multi-tool') },
      env: { NODE_OPTIONS: `--import ${MODULE_LOG_PRELOAD}`, MODULE_LOG: log },
    });
    try {
      await calls(gateway);
    } finally {
      await gateway.close();
    }
    const modules: LoadedModules = { gateway: [], others: [] };
    for (const line of (await readFile(log, 'utf8')).split('\n').filter(Boolean)) {
      const [pid, path = ''] = line.split(' ', 2);
      (Number(pid) === gateway.pid ? modules.gateway : modules.others).push(path);
    }
    return modules;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const loads = (modules: string[], pkg: string) =>
  modules.some((path) => path.includes(`/node_modules/${pkg}/`));

describe('what the gateway process loads (cold start)', () => {
  it('answers list_servers without the client SDK, Ajv or the tokenizer', async () => {
    const modules = await modulesLoadedBy(async (gateway) => {
      const servers = structured<{ servers: { name: string }[] }>(await gateway.call('list_servers'));
      assert.deepEqual(
        servers.servers.map((server) => server.name),
        ['fx'],
      );
    });
    assert.ok(loads(modules.gateway, '@modelcontextprotocol/server'), 'the log sees what does load');
    assert.equal(loads(modules.gateway, '@modelcontextprotocol/client'), false);
    assert.equal(loads(modules.gateway, 'ajv'), false);
    assert.equal(loads(modules.gateway, 'gpt-tokenizer'), false);
  });

  it('loads the client SDK and Ajv for execute_tool, and leaves the tokenizer to a child process', async () => {
    const modules = await modulesLoadedBy(async (gateway) => {
      const echoed = await gateway.call('execute_tool', { server: 'fx', tool: 'echo', args: { text: 'hi' } });
      assert.deepEqual(echoed.content, [{ type: 'text', text: 'hi' }]);
      const tools = structured<{ tokens_used: number }>(
        await gateway.call('get_server_tools', { server: 'fx' }),
      );
      assert.ok(tools.tokens_used > 0);
    });
    assert.ok(loads(modules.gateway, '@modelcontextprotocol/client'));
    assert.ok(loads(modules.gateway, 'ajv'));
    assert.equal(loads(modules.gateway, 'gpt-tokenizer'), false);
    // The token counter process inherits NODE_OPTIONS and logs to the same file.
    assert.ok(loads(modules.others, 'gpt-tokenizer'), 'the tokenizer was loaded by the counter process');
  });
});
