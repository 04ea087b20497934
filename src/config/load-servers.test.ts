import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServersFile, parseServersConfig, type ServersConfig } from './load-servers.ts';
import type { ConfigIssue, LoadResult } from './types.ts';

const FILE = '/cfg/.mcp.json';

function parse(config: unknown, env: Record<string, string | undefined> = {}): LoadResult<ServersConfig> {
  return parseServersConfig(JSON.stringify(config), FILE, env);
}

function servers(config: unknown, env: Record<string, string | undefined> = {}): ServersConfig['servers'] {
  const result = parse(config, env);
  assert.ok(result.ok, `expected success, got ${JSON.stringify(!result.ok && result.errors)}`);
  return result.value.servers;
}

function errors(config: unknown): ConfigIssue[] {
  const result = parse(config);
  assert.ok(!result.ok, 'expected failure');
  return result.errors;
}

function pathsAndMessages(issues: readonly ConfigIssue[]): string[] {
  return issues.map((issue) => `${issue.path}: ${issue.message}`);
}

describe('parseServersConfig', () => {
  it('normalises a stdio server with defaults', () => {
    assert.deepEqual(servers({ mcpServers: { memory: { command: 'npx', args: ['-y', 'pkg'] } } }), [
      { name: 'memory', timeoutMs: 60000, transport: 'stdio', command: 'npx', args: ['-y', 'pkg'], env: {} },
    ]);
  });

  it('normalises a remote server without type or transport to auto', () => {
    assert.deepEqual(servers({ mcpServers: { r: { url: 'https://x.test/mcp', description: 'Remote' } } }), [
      {
        name: 'r',
        description: 'Remote',
        timeoutMs: 60000,
        transport: 'auto',
        url: 'https://x.test/mcp',
        headers: {},
      },
    ]);
  });

  it('accepts the VS Code "servers" key', () => {
    const result = parse({ servers: { a: { command: 'a' } } });
    assert.ok(result.ok);
    assert.equal(result.value.rootKey, 'servers');
    assert.deepEqual(
      result.value.servers.map((s) => s.name),
      ['a'],
    );
  });

  it('keeps config order', () => {
    const names = servers({
      mcpServers: { zeta: { command: 'z' }, alpha: { command: 'a' }, mid: { url: 'http://m' } },
    });
    assert.deepEqual(
      names.map((s) => s.name),
      ['zeta', 'alpha', 'mid'],
    );
  });

  it('maps type and transport names, with streamable-http meaning http', () => {
    const list = servers({
      mcpServers: {
        a: { url: 'http://a', type: 'streamable-http' },
        b: { url: 'http://b', transport: 'sse' },
        c: { url: 'http://c', type: 'http', transport: 'streamable-http' },
        d: { command: 'd', type: 'stdio' },
      },
    });
    assert.deepEqual(
      list.map((s) => s.transport),
      ['http', 'sse', 'http', 'stdio'],
    );
  });

  it('rejects type and transport that disagree', () => {
    assert.deepEqual(
      pathsAndMessages(errors({ mcpServers: { a: { url: 'http://a', type: 'http', transport: 'sse' } } })),
      ['mcpServers.a.transport: server "a" has "type": "http" but "transport": "sse"; they must agree'],
    );
  });

  it('rejects a remote transport on a stdio server and stdio on a remote one', () => {
    const found = pathsAndMessages(
      errors({
        mcpServers: { a: { command: 'a', type: 'sse' }, b: { url: 'http://b', transport: 'stdio' } },
      }),
    );
    assert.deepEqual(found, [
      'mcpServers.a.type: server "a" has "command", but "sse" is a remote transport',
      'mcpServers.b.transport: server "b" has "url", but "stdio" is for local servers',
    ]);
  });

  it('defaults timeout_ms to 60000 and keeps a given one', () => {
    const list = servers({ mcpServers: { a: { command: 'a' }, b: { command: 'b', timeout_ms: 1500 } } });
    assert.deepEqual(
      list.map((s) => s.timeoutMs),
      [60000, 1500],
    );
  });

  it('rejects a timeout_ms that is not a positive integer', () => {
    const found = errors({
      mcpServers: {
        a: { command: 'a', timeout_ms: 0 },
        b: { command: 'b', timeout_ms: 1.5 },
        c: { command: 'c', timeout_ms: '5' },
      },
    });
    assert.deepEqual(
      found.map((issue) => issue.path),
      ['mcpServers.a.timeout_ms', 'mcpServers.b.timeout_ms', 'mcpServers.c.timeout_ms'],
    );
  });

  it('keeps connect_timeout_ms and max_output_chars when given and leaves them out otherwise', () => {
    const list = servers({
      mcpServers: {
        a: { command: 'a' },
        b: { url: 'http://b', connect_timeout_ms: 500, max_output_chars: 2000 },
      },
    });
    assert.deepEqual(
      list.map((s) => [s.connectTimeoutMs, s.maxOutputChars]),
      [
        [undefined, undefined],
        [500, 2000],
      ],
    );
    assert.equal('connectTimeoutMs' in list[0]!, false);
  });

  it('rejects a connect_timeout_ms or max_output_chars that is not a positive integer', () => {
    const found = errors({
      mcpServers: {
        a: { command: 'a', connect_timeout_ms: -1 },
        b: { command: 'b', max_output_chars: 0 },
        c: { command: 'c', max_output_chars: 'lots' },
      },
    });
    assert.deepEqual(pathsAndMessages(found), [
      'mcpServers.a.connect_timeout_ms: must be greater than 0',
      'mcpServers.b.max_output_chars: must be greater than 0',
      'mcpServers.c.max_output_chars: expected a number of characters',
    ]);
  });

  it('drops a server with enabled false entirely', () => {
    const list = servers({ mcpServers: { on: { command: 'a' }, off: { command: 'b', enabled: false } } });
    assert.deepEqual(
      list.map((s) => s.name),
      ['on'],
    );
  });

  it('still reports structural errors in a disabled server', () => {
    assert.deepEqual(
      errors({ mcpServers: { off: { enabled: false, args: [1] } } }).map((issue) => issue.path),
      ['mcpServers.off.args[0]'],
    );
  });

  it('names the server that has both command and url', () => {
    assert.deepEqual(pathsAndMessages(errors({ mcpServers: { both: { command: 'x', url: 'http://x' } } })), [
      'mcpServers.both: server "both" has both "command" and "url"; give exactly one',
    ]);
  });

  it('names the server that has neither command nor url', () => {
    const [issue] = errors({ mcpServers: { none: { description: 'nothing' } } });
    assert.equal(issue?.path, 'mcpServers.none');
    assert.match(issue?.message ?? '', /server "none" needs "command".*or "url"/);
  });

  it('reports wrong types with their JSON paths, for every bad server at once', () => {
    const found = errors({
      mcpServers: {
        github: { command: 'gh', args: ['ok', 'ok', 3], env: { TOKEN: 5 } },
        other: { command: ['not', 'a', 'string'] },
        good: { url: 'http://g', headers: 'nope' },
        cross: { command: 'c', url: 'http://c' },
      },
    });
    assert.deepEqual(
      found.map((issue) => issue.path),
      [
        'mcpServers.github.args[2]',
        'mcpServers.github.env.TOKEN',
        'mcpServers.other.command',
        'mcpServers.good.headers',
        'mcpServers.cross',
      ],
    );
    assert.match(found[0]?.message ?? '', /expected string, received number/);
    assert.ok(found.every((issue) => issue.severity === 'error' && issue.file === FILE));
  });

  it('rejects a url that is not http or https, without quoting it', () => {
    const found = errors({ mcpServers: { f: { url: 'ftp://user:pw@host/x' }, g: { url: 'not a url' } } });
    assert.deepEqual(
      found.map((issue) => issue.path),
      ['mcpServers.f.url', 'mcpServers.g.url'],
    );
    assert.ok(found.every((issue) => !issue.message.includes('pw') && !issue.message.includes('not a url')));
  });

  it('rejects a file without mcpServers or servers, and a non-object file', () => {
    assert.equal(
      errors({ other: {} })[0]?.message,
      'expected a JSON object with a "mcpServers" (or "servers") key',
    );
    assert.equal(errors([1])[0]?.path, '');
    assert.equal(errors({ mcpServers: [] })[0]?.path, 'mcpServers');
  });

  it('accepts an empty mcpServers object', () => {
    assert.deepEqual(servers({ mcpServers: {} }), []);
  });

  it('reports bad JSON with line and column', () => {
    const result = parseServersConfig('{\n  "mcpServers": {\n    "a": {"command": "x",}\n  }\n}', FILE, {});
    assert.ok(!result.ok);
    assert.equal(result.errors[0]?.message, 'invalid JSON at line 3, column 26: trailing comma before "}"');
  });

  it('warns about unknown keys at every level with their paths, never failing', () => {
    const result = parse({
      $schema: 'https://example.test/schema.json',
      extra: true,
      mcpServers: {
        a: { command: 'a', autoApprove: ['x'], env: { ANY_KEY: 'fine' } },
        'b.c': { url: 'http://b', oauth: {} },
      },
    });
    assert.ok(result.ok);
    assert.deepEqual(pathsAndMessages(result.warnings), [
      'extra: unknown key "extra" is ignored',
      'mcpServers.a.autoApprove: unknown key "autoApprove" is ignored',
      'mcpServers["b.c"].oauth: unknown key "oauth" is ignored',
    ]);
  });

  it('warns about fields that do not apply to the kind of server', () => {
    const result = parse({
      mcpServers: { r: { url: 'http://r', env: { A: 'b' } }, s: { command: 's', headers: {} } },
    });
    assert.ok(result.ok);
    assert.deepEqual(
      result.warnings.map((w) => w.path),
      ['mcpServers.r.env', 'mcpServers.s.headers'],
    );
  });

  it('uses mcpServers and warns when both root keys are present', () => {
    const result = parse({ mcpServers: { a: { command: 'a' } }, servers: { b: { command: 'b' } } });
    assert.ok(result.ok);
    assert.deepEqual(
      result.value.servers.map((s) => s.name),
      ['a'],
    );
    assert.deepEqual(
      result.warnings.map((w) => w.path),
      ['servers'],
    );
  });

  it('rejects an empty server name and __proto__', () => {
    const result = parseServersConfig(
      '{"mcpServers": {"": {"command": "a"}, "__proto__": {"command": "b"}}}',
      FILE,
      {},
    );
    assert.ok(!result.ok);
    assert.equal(result.errors.length, 2);
  });

  it('resolves a relative cwd against the config file folder', () => {
    const [server] = servers({
      mcpServers: { a: { command: 'a', cwd: 'tools' }, b: { command: 'b', cwd: '/abs' } },
    });
    assert.equal(server?.transport === 'stdio' && server.cwd, '/cfg/tools');
  });
});

describe('loadServersFile', () => {
  it('reads a file, and names the path when it is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'amg-servers-'));
    try {
      const file = join(dir, '.mcp.json');
      await writeFile(file, JSON.stringify({ mcpServers: { a: { command: 'a' } } }));
      const loaded = await loadServersFile(file, {});
      assert.ok(loaded.ok);
      assert.equal(loaded.value.servers[0]?.name, 'a');

      const missing = join(dir, 'nope.json');
      const result = await loadServersFile(missing, {});
      assert.ok(!result.ok);
      assert.equal(result.errors[0]?.file, missing);
      assert.equal(result.errors[0]?.message, `servers file not found: ${missing}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
