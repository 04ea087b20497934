import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { missingVariablesAsErrors, parseServersConfig, type ServersConfig } from './load-servers.ts';
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

function pathsAndMessages(issues: readonly ConfigIssue[]): string[] {
  return issues.map((issue) => `${issue.path}: ${issue.message}`);
}

describe('parseServersConfig with ${VAR}', () => {
  it('substitutes in url, args, env, headers, command and cwd before validation', () => {
    const env = { HOST: 'mcp.test', TOKEN: 't0k', BIN: 'tool', DIR: '/d' };
    const list = servers(
      {
        mcpServers: {
          remote: { url: 'https://${HOST}/mcp', headers: { Authorization: 'Bearer ${TOKEN}' } },
          local: { command: '${BIN}', args: ['--token=${TOKEN}'], env: { T: '${TOKEN}' }, cwd: '${DIR}' },
        },
      },
      env,
    );
    assert.deepEqual(list[0], {
      name: 'remote',
      timeoutMs: 60000,
      transport: 'auto',
      url: 'https://mcp.test/mcp',
      headers: { Authorization: 'Bearer t0k' },
    });
    assert.deepEqual(list[1], {
      name: 'local',
      timeoutMs: 60000,
      transport: 'stdio',
      command: 'tool',
      args: ['--token=t0k'],
      env: { T: 't0k' },
      cwd: '/d',
    });
  });

  it('uses fallbacks for unset or empty variables', () => {
    const [server] = servers(
      { mcpServers: { r: { url: '${URL:-http://localhost:3000/mcp}' } } },
      { URL: '' },
    );
    assert.equal(server?.transport !== 'stdio' && server?.url, 'http://localhost:3000/mcp');
  });

  it('makes only the server with an unset variable unavailable, with a warning', () => {
    const result = parse({
      mcpServers: {
        github: { command: 'gh', env: { GITHUB_TOKEN: '${GITHUB_TOKEN}' } },
        memory: { command: 'mem' },
      },
    });
    assert.ok(result.ok);
    const [github, memory] = result.value.servers;
    assert.equal(
      github?.unavailableReason,
      'environment variable GITHUB_TOKEN is not set (mcpServers.github.env.GITHUB_TOKEN)',
    );
    assert.equal(memory?.unavailableReason, undefined);
    assert.deepEqual(pathsAndMessages(result.warnings), [
      'mcpServers.github.env.GITHUB_TOKEN: environment variable GITHUB_TOKEN is not set; server "github" is unavailable',
    ]);
  });

  it('names each missing variable once per server', () => {
    const [server] = servers({ mcpServers: { s: { command: 'x', args: ['${A}', '${B}', '${A}'] } } });
    assert.equal(
      server?.unavailableReason,
      'environment variable A is not set (mcpServers.s.args[0]); environment variable B is not set (mcpServers.s.args[1])',
    );
  });

  it('does not reject a url made entirely of an unset variable', () => {
    const [server] = servers({ mcpServers: { r: { url: '${REMOTE_URL}' } } });
    assert.match(server?.unavailableReason ?? '', /REMOTE_URL/);
  });

  it('says nothing about unset variables in a disabled server', () => {
    const result = parse({ mcpServers: { off: { command: 'x', env: { T: '${NOPE}' }, enabled: false } } });
    assert.ok(result.ok);
    assert.deepEqual(result.warnings, []);
  });

  it('turns unset-variable warnings into errors for validate', () => {
    const strict = missingVariablesAsErrors(
      parse({ mcpServers: { s: { command: 'x', args: ['${A}'], extra: 1 } } }),
    );
    assert.ok(!strict.ok);
    assert.deepEqual(pathsAndMessages(strict.errors), [
      'mcpServers.s.args[0]: environment variable A is not set; server "s" is unavailable',
    ]);
    assert.deepEqual(
      strict.warnings.map((w) => w.path),
      ['mcpServers.s.extra'],
    );
    assert.ok(missingVariablesAsErrors(parse({ mcpServers: {} })).ok);
  });
});

describe('secrets in issues', () => {
  it('never puts env values, header values or URL credentials into any error or warning', () => {
    const secret = 'sk-live-SECRET-42';
    const env = { TOKEN: secret };
    const config = {
      mcpServers: {
        a: {
          command: 'x',
          env: { K: secret, N: 7 },
          headers: { Authorization: `Bearer ${secret}` },
          bogus: secret,
        },
        b: { url: `https://user:${secret}@host.test/p?key=${secret}`, type: 'stdio', env: { X: '${TOKEN}' } },
        c: { url: `ftp://${secret}@h/?k=${secret}` },
        d: { command: 'y', url: `https://h/?k=${secret}`, args: ['${MISSING}', '${TOKEN}'] },
        e: { url: 'https://h/${MISSING}?q=${TOKEN}', headers: { H: '${TOKEN}' } },
      },
    };
    const result = parseServersConfig(JSON.stringify(config), FILE, env);
    const issues = [...result.warnings, ...(result.ok ? [] : result.errors)];
    assert.ok(issues.length >= 5);
    for (const issue of issues) assert.doesNotMatch(JSON.stringify(issue), /SECRET/);
    const badJson = parseServersConfig(`{"mcpServers": {"a": {"env": {"K": "${secret}" "x"}}}}`, FILE, {});
    assert.doesNotMatch(JSON.stringify(badJson), /SECRET/);
  });
});
