/**
 * SPEC §2 through the built binary: `validate` (errors and warnings with file and JSON path), an
 * unset `${VAR}` in serve, and the fatal start-up errors of serve.
 */
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { errorOf, fixtureServer, runCli, startGateway, structured } from './harness.ts';
import { ALL_DEFAULT_RULES, tempDir, writeJson } from './cli-raw-gateway.ts';

const STACK_FRAME = '\n    at ';

function nonEmptyLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

describe('agent-mcp-gateway validate', { concurrency: true }, () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    work = await tempDir('gateway-validate-');
  });
  after(() => work.remove());

  async function validate(servers: unknown, rules: unknown = ALL_DEFAULT_RULES, name = 'servers.json') {
    const serversPath = await writeJson(join(work.dir, name), servers);
    const rulesFile = await writeJson(join(work.dir, `rules-${name}`), rules);
    const result = await runCli(['validate', '--mcp-config', serversPath, '--rules', rulesFile], {
      cwd: work.dir,
      env: { HOME: work.dir },
    });
    return { ...result, serversPath, rulesPath: rulesFile };
  }

  it('exits 0 for a valid pair of files and starts no server', async () => {
    const marker = join(work.dir, 'started');
    const result = await validate({
      mcpServers: {
        local: { command: '/bin/sh', args: ['-c', `touch '${marker}'`] },
        remote: { url: 'http://127.0.0.1:9/mcp', headers: { 'X-Api-Key': 'k' } },
      },
    });
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /^valid: 2 server\(s\), 1 agent\(s\)/m);
    await assert.rejects(stat(marker));
  });

  it('names the file and the JSON path of a wrong type and of a server with both command and url', async () => {
    const result = await validate(
      {
        mcpServers: {
          typed: { command: 'node', args: ['ok', 42] },
          both: { command: 'node', url: 'http://127.0.0.1:9/mcp' },
        },
      },
      ALL_DEFAULT_RULES,
      'bad-servers.json',
    );
    assert.equal(result.code, 1);
    const errors = result.stdout.split('\n').filter((line) => line.startsWith('error: '));
    assert.ok(
      errors.some((line) => line.includes(result.serversPath) && line.includes('mcpServers.typed.args[1]')),
      result.stdout,
    );
    assert.ok(
      errors.some(
        (line) =>
          line.includes(result.serversPath) && line.includes('mcpServers.both') && /command/.test(line),
      ),
      result.stdout,
    );
    assert.ok(!(result.stdout + result.stderr).includes(STACK_FRAME));
  });

  it('reports an unset ${VAR} as an error naming the variable and its path', async () => {
    const result = await validate(
      {
        mcpServers: {
          keyed: fixtureServer('multi-tool', [], { env: { TOKEN: '${GATEWAY_E2E_UNSET_VAR}' } }),
        },
      },
      ALL_DEFAULT_RULES,
      'unset-var.json',
    );
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      /^error: .*unset-var\.json: mcpServers\.keyed\.env\.TOKEN: .*GATEWAY_E2E_UNSET_VAR/m,
    );
  });

  it('accepts a ${VAR:-fallback} whose variable is unset', async () => {
    const result = await validate(
      {
        mcpServers: {
          keyed: fixtureServer('multi-tool', [], { env: { TOKEN: '${GATEWAY_E2E_UNSET_VAR:-fallback}' } }),
        },
      },
      ALL_DEFAULT_RULES,
      'fallback-var.json',
    );
    assert.equal(result.code, 0, result.stdout);
  });

  it('rejects a rules file with an invalid agent id, naming the path', async () => {
    const result = await validate(
      { mcpServers: { local: fixtureServer('multi-tool') } },
      { agents: { 'bad id!': { allow: { servers: ['*'] } } } },
      'bad-agent.json',
    );
    assert.equal(result.code, 1);
    assert.ok(
      result.stdout
        .split('\n')
        .some(
          (line) =>
            line.startsWith('error: ') &&
            line.includes(result.rulesPath) &&
            line.includes('agents["bad id!"]'),
        ),
      result.stdout,
    );
  });

  it('warns about rules naming an unconfigured server and still exits 0', async () => {
    const result = await validate(
      { mcpServers: { local: fixtureServer('multi-tool') } },
      { agents: { researcher: { allow: { servers: ['local', 'ghost'] } } } },
      'ghost.json',
    );
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /^warning: .*researcher.*ghost/m);
    assert.doesNotMatch(result.stdout, /^error: /m);
  });
});

describe('agent-mcp-gateway serve with an unset ${VAR}', () => {
  it('starts, warns, lists that server as unavailable and serves the others', async () => {
    const gateway = await startGateway({
      servers: {
        keyed: fixtureServer('multi-tool', [], { env: { TOKEN: '${GATEWAY_E2E_UNSET_VAR}' } }),
        plain: fixtureServer('multi-tool'),
      },
    });
    try {
      assert.match(gateway.stderr(), /GATEWAY_E2E_UNSET_VAR/);
      const listed = structured<{ servers: { name: string; status: string }[] }>(
        await gateway.call('list_servers', { include_metadata: true }),
      );
      assert.equal(listed.servers.find((server) => server.name === 'keyed')?.status, 'unavailable');
      const failed = errorOf(
        await gateway.call('execute_tool', { server: 'keyed', tool: 'echo', args: { text: 'x' } }),
      );
      assert.equal(failed.code, 'SERVER_UNAVAILABLE');
      assert.match(failed.message, /GATEWAY_E2E_UNSET_VAR/);
      const ok = await gateway.call('execute_tool', { server: 'plain', tool: 'echo', args: { text: 'hi' } });
      assert.equal(ok.isError, undefined);
      assert.deepEqual(ok.content, [{ type: 'text', text: 'hi' }]);
    } finally {
      await gateway.close();
    }
  });
});

describe('fatal start-up errors of serve', { concurrency: true }, () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let goodServers: string;
  let goodRules: string;
  before(async () => {
    work = await tempDir('gateway-fatal-');
    goodServers = await writeJson(join(work.dir, 'servers.json'), {
      mcpServers: { m: fixtureServer('multi-tool') },
    });
    goodRules = await writeJson(join(work.dir, 'rules.json'), ALL_DEFAULT_RULES);
  });
  after(() => work.remove());

  async function serve(servers: string, rules: string) {
    const result = await runCli(['--mcp-config', servers, '--rules', rules], {
      cwd: work.dir,
      env: { HOME: work.dir },
    });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, '', 'nothing but JSON-RPC may reach stdout');
    assert.ok(!result.stderr.includes(STACK_FRAME), `stack trace on stderr:\n${result.stderr}`);
    const lines = nonEmptyLines(result.stderr);
    assert.equal(lines.length, 1, `expected one line:\n${result.stderr}`);
    assert.match(lines[0]!, /^error: /);
    return lines[0]!;
  }

  it('names a missing servers file', async () => {
    const missing = join(work.dir, 'nowhere', '.mcp.json');
    const line = await serve(missing, goodRules);
    assert.ok(line.includes(missing), line);
  });

  it('names the file and position of bad JSON', async () => {
    const broken = await writeJson(
      join(work.dir, 'broken.json'),
      '{"mcpServers": {"m": {"command": "node",}}}',
    );
    const line = await serve(broken, goodRules);
    assert.ok(line.includes(broken), line);
    assert.match(line, /JSON/);
  });

  it('names the file and JSON path of a wrong type in the servers file', async () => {
    const typed = await writeJson(join(work.dir, 'typed.json'), {
      mcpServers: { m: { command: 'node', env: { K: 1 } } },
    });
    const line = await serve(typed, goodRules);
    assert.ok(line.includes(typed), line);
    assert.ok(line.includes('mcpServers.m.env.K'), line);
  });

  it('names the file and JSON path of a bad rules file', async () => {
    const rules = await writeJson(join(work.dir, 'bad-rules.json'), {
      agents: { backend: { allow: { servers: 'postgres' } } },
    });
    const line = await serve(goodServers, rules);
    assert.ok(line.includes(rules), line);
    assert.ok(line.includes('agents.backend.allow.servers'), line);
  });

  it('names the file and agent of an invalid agent id', async () => {
    const rules = await writeJson(join(work.dir, 'bad-id.json'), { agents: { 'no spaces': {} } });
    const line = await serve(goodServers, rules);
    assert.ok(line.includes(rules), line);
    assert.ok(line.includes('no spaces'), line);
  });

  it('names the variable of an invalid GATEWAY_INIT_STRATEGY', async () => {
    const result = await runCli(['--mcp-config', goodServers, '--rules', goodRules], {
      cwd: work.dir,
      env: { HOME: work.dir, GATEWAY_INIT_STRATEGY: 'sometimes' },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: GATEWAY_INIT_STRATEGY .*sometimes/);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  });
});

describe('validate and serve agree on what serve cannot use (issue 8 item 7)', { concurrency: true }, () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let goodServers: string;
  let goodRules: string;
  before(async () => {
    work = await tempDir('gateway-agree-');
    goodServers = await writeJson(join(work.dir, 'servers.json'), {
      mcpServers: { m: fixtureServer('multi-tool') },
    });
    goodRules = await writeJson(join(work.dir, 'rules.json'), ALL_DEFAULT_RULES);
  });
  after(() => work.remove());

  const run = (args: string[], env: Record<string, string> = {}) =>
    runCli(args, { cwd: work.dir, env: { HOME: work.dir, ...env } });

  it('reports header names and values fetch would refuse as errors with their JSON paths, and serve refuses them too', async () => {
    const servers = await writeJson(join(work.dir, 'bad-headers.json'), {
      mcpServers: {
        api: {
          url: 'http://127.0.0.1:9/mcp',
          headers: { 'X Api Key': 'k', Authorization: 'Bearer ${GATEWAY_E2E_TOKEN}' },
        },
      },
    });
    const env = { GATEWAY_E2E_TOKEN: 'top\nsecret-value' };
    const checked = await run(['validate', '--mcp-config', servers, '--rules', goodRules], env);
    assert.equal(checked.code, 1, checked.stdout);
    assert.match(checked.stdout, /^error: .*bad-headers\.json: mcpServers\.api\.headers\["X Api Key"\]: /m);
    assert.match(checked.stdout, /^error: .*bad-headers\.json: mcpServers\.api\.headers\.Authorization: /m);
    assert.ok(!checked.stdout.includes('secret-value'), 'a header value is a secret');

    const served = await run(['--mcp-config', servers, '--rules', goodRules], env);
    assert.equal(served.code, 1, served.stderr);
    assert.equal(served.stdout, '');
    assert.match(served.stderr, /^error: .*mcpServers\.api\.headers\["X Api Key"\]: /m);
    assert.ok(!served.stderr.includes(STACK_FRAME), served.stderr);
  });

  it('warns about a GATEWAY_DEFAULT_AGENT the rules lack in validate, and at serve start-up', async () => {
    const checked = await run(['validate', '--mcp-config', goodServers, '--rules', goodRules], {
      GATEWAY_DEFAULT_AGENT: 'ghost',
    });
    assert.equal(checked.code, 0, checked.stdout);
    assert.match(checked.stdout, /^warning: .*rules\.json: agents: GATEWAY_DEFAULT_AGENT .*"ghost"/m);

    const gateway = await startGateway({
      servers: { m: fixtureServer('multi-tool') },
      env: { GATEWAY_DEFAULT_AGENT: 'ghost' },
    });
    try {
      assert.match(gateway.stderr(), /"level":40.*GATEWAY_DEFAULT_AGENT names agent \\"ghost\\"/);
      const failed = errorOf(await gateway.call('list_servers'));
      assert.equal(failed.code, 'FALLBACK_AGENT_NOT_IN_RULES');
    } finally {
      await gateway.close();
    }
  });

  it('reports an invalid GATEWAY_INIT_STRATEGY as an error, as serve does', async () => {
    const checked = await run(['validate', '--mcp-config', goodServers, '--rules', goodRules], {
      GATEWAY_INIT_STRATEGY: 'sometimes',
    });
    assert.equal(checked.code, 1, checked.stdout);
    assert.match(checked.stdout, /^error: GATEWAY_INIT_STRATEGY .*sometimes/m);
    assert.match(checked.stdout, /^invalid: 1 error\(s\)/m);
  });
});
