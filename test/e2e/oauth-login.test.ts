/**
 * Downstream OAuth end to end (SPEC §16): a gateway started before any login answers AUTH_REQUIRED
 * and shows `needs_auth`; `auth <server> --no-browser` logs in headlessly against a real local
 * authorization server (discovery, dynamic registration, PKCE, resource, iss); the running gateway
 * then succeeds without a restart. Also: a pre-registered client on a fixed port, a busy port,
 * `--status`, `--logout`, client credentials, file modes, headers on every path, and no secret in
 * stderr, the audit log or any result.
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  loginHeadlessly,
  runGatewayCli,
  startOAuthFixture,
  type CliRun,
  type OAuthFixture,
} from '../fixtures/oauth/oauth-fixture.ts';
import { expectError } from './gateway-test-helpers.ts';
import { startGateway, structured, type RunningGateway } from './harness.ts';

interface Who {
  client_id: string;
  grant: string;
  x_custom: string | null;
}

describe('downstream OAuth login', () => {
  let oauth: OAuthFixture;
  let gateway: RunningGateway;
  let env: Record<string, string>;
  /** Every result and CLI output of this suite, for the leak check at the end. */
  const seen: string[] = [];

  const call = async (server: string): Promise<CallToolResult> => {
    const result = await gateway.call('execute_tool', { server, tool: 'whoami' });
    seen.push(JSON.stringify(result));
    return result;
  };
  const cli = async (args: string[]): Promise<CliRun> => {
    const run = await runGatewayCli([...args, '--mcp-config', gateway.serversPath], env);
    seen.push(run.stdout, run.stderr);
    return run;
  };
  const login = async (server: string, extra: string[] = [], browse = true) => {
    const run = await loginHeadlessly(server, { serversPath: gateway.serversPath, env, extra, browse });
    seen.push(run.stdout, run.stderr);
    return run;
  };
  const metadataStatus = async (server: string): Promise<string | undefined> => {
    const result = await gateway.call('list_servers', { include_metadata: true });
    const { servers } = structured<{ servers: { name: string; status: string }[] }>(result);
    return servers.find((entry) => entry.name === server)?.status;
  };

  before(async () => {
    oauth = await startOAuthFixture();
    gateway = await startGateway({
      args: ['--debug'],
      servers: {
        remote: {
          url: `${oauth.url}/remote`,
          auth: { type: 'oauth' },
          headers: { 'X-Custom': 'custom-value' },
        },
        plain: { url: `${oauth.url}/plain` },
        pre: { url: `${oauth.url}/pre`, auth: { type: 'oauth', client_id: 'pre-client', scopes: ['read'] } },
        machine: {
          url: `${oauth.url}/machine`,
          auth: { type: 'client_credentials', client_id: 'cc-client', client_secret: 'cc-secret' },
          headers: { 'X-Custom': 'machine-value' },
        },
        never: { url: `${oauth.url}/never`, auth: { type: 'none' } },
      },
      env: { GATEWAY_OAUTH_DIR: '' },
    });
    // The CLI shares the gateway's HOME, so both use ~/.config/agent-mcp-gateway/oauth (SPEC §16).
    env = { HOME: gateway.dir };
  });
  after(async () => {
    await gateway?.close();
    await oauth?.close();
  });

  it('warns at start-up, as validate does, about an oauth server without a stored login', async () => {
    const deadline = Date.now() + 10_000;
    while (!gateway.stderr().includes('uses OAuth but has no usable login') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.match(
      gateway.stderr(),
      /server \\"remote\\" uses OAuth but has no usable login.*agent-mcp-gateway auth remote/,
    );
  });

  it('fails a call to an oauth server without a login at once with AUTH_REQUIRED naming the command', async () => {
    // The gateway got an empty GATEWAY_OAUTH_DIR, so it uses ~/.config/agent-mcp-gateway/oauth under its HOME.
    const error = expectError(await call('remote'), 'AUTH_REQUIRED');
    assert.match(error.message, /agent-mcp-gateway auth remote/);
    assert.equal(await metadataStatus('remote'), 'needs_auth');
    assert.equal((await oauth.stats()).mcpRequests, 0, 'no request went out without a token');
  });

  it('marks a server without auth needs_auth when its 401 points to OAuth metadata', async () => {
    const error = expectError(await call('plain'), 'AUTH_REQUIRED');
    assert.match(error.message, /agent-mcp-gateway auth plain/);
    assert.equal(await metadataStatus('plain'), 'needs_auth');
  });

  it('never attempts OAuth for a server with auth type none', async () => {
    const result = await call('never');
    assert.equal(result.isError, true);
    const error = (result.structuredContent as { error: { code: string } }).error;
    assert.notEqual(error.code, 'AUTH_REQUIRED');
  });

  it('logs in headlessly with --no-browser: the URL on stderr, the result on stdout', async () => {
    const before = await oauth.stats();
    const run = await login('remote');
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.authorizationUrl, run.stderr);
    const url = new URL(run.authorizationUrl);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(url.searchParams.get('resource'), `${oauth.url}/remote`);
    assert.match(url.searchParams.get('redirect_uri') ?? '', /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    assert.match(run.stdout, /logged in to "remote"/);
    const after = await oauth.stats();
    assert.equal(after.registrations, before.registrations + 1, 'dynamic client registration');
    assert.equal(after.codeExchanges, before.codeExchanges + 1);
  });

  it('stores the login in a 0700 folder as a 0600 file with the issuer recorded', async () => {
    const dir = join(gateway.dir, '.config', 'agent-mcp-gateway', 'oauth');
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    const files = (await readdir(dir)).filter((name) => name.endsWith('.json'));
    assert.equal(files.length, 1);
    const file = join(dir, files[0]!);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const stored = JSON.parse(await readFile(file, 'utf8')) as { issuer: string; server_name: string };
    assert.equal(stored.issuer, oauth.issuer);
    assert.equal(stored.server_name, 'remote');
  });

  it('lets the gateway started before the login call the server without a restart', async () => {
    const result = await call('remote');
    assert.notEqual(result.isError, true, JSON.stringify(result));
    const who = structured<Who>(result);
    assert.match(who.client_id, /^dyn-/);
    assert.equal(who.grant, 'authorization_code');
    assert.equal(who.x_custom, 'custom-value', 'other configured headers go on the OAuth path too');
    assert.equal(await metadataStatus('remote'), 'connected');
  });

  it('uses a pre-registered client on a fixed callback port without registering', async () => {
    const port = await freePort();
    const before = await oauth.stats();
    const run = await login('pre', ['--port', String(port)]);
    assert.equal(run.code, 0, run.stderr);
    const url = new URL(run.authorizationUrl ?? '');
    assert.equal(url.searchParams.get('client_id'), 'pre-client');
    assert.equal(url.searchParams.get('redirect_uri'), `http://127.0.0.1:${port}/callback`);
    assert.equal(url.searchParams.get('scope'), 'read');
    assert.equal((await oauth.stats()).registrations, before.registrations);
    const who = structured<Who>(await call('pre'));
    assert.equal(who.client_id, 'pre-client');
  });

  it('fails with one clear error when the callback port is busy', async () => {
    const busy = await listenOn(0);
    try {
      const port = (busy.address() as { port: number }).port;
      const run = await login('pre', ['--port', String(port)], false);
      assert.equal(run.code, 1);
      const errors = run.stderr.split('\n').filter((line) => line.startsWith('error:'));
      assert.equal(errors.length, 1, run.stderr);
      assert.match(errors[0]!, new RegExp(`callback port ${port} .*in use`));
      assert.equal(run.authorizationUrl, undefined);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('refuses a callback whose iss names another authorization server', async () => {
    await oauth.set({ wrong_iss: true });
    try {
      const run = await login('plain');
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error: the login to "plain" failed: .*iss/im);
    } finally {
      await oauth.set({ wrong_iss: false });
    }
    const status = await cli(['auth', '--status']);
    assert.match(status.stdout, /^plain\s+not_logged_in/m, 'nothing was stored');
  });

  it('lets a server without auth that asked for OAuth work after its login, without a restart', async () => {
    const run = await login('plain');
    assert.equal(run.code, 0, run.stderr);
    const result = await call('plain');
    assert.notEqual(result.isError, true, JSON.stringify(result));
    assert.equal(await metadataStatus('plain'), 'connected');
  });

  it('fetches client credentials tokens by itself', async () => {
    const result = await call('machine');
    assert.notEqual(result.isError, true, JSON.stringify(result));
    const who = structured<Who>(result);
    assert.equal(who.client_id, 'cc-client');
    assert.equal(who.grant, 'client_credentials');
    assert.equal(who.x_custom, 'machine-value');
  });

  it('lists each OAuth server with its state and expiry in auth --status, never a token', async () => {
    const run = await cli(['auth', '--status']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^remote\s+logged_in\s+\(.*token expires \d{4}-\d\d-\d\dT/m);
    assert.match(run.stdout, /^plain\s+logged_in/m);
    assert.match(run.stdout, /^machine\s+automatic/m);
    assert.doesNotMatch(run.stdout, /^never/m);
  });

  it('deletes the stored tokens with auth --logout, after which calls need a login again', async () => {
    const run = await cli(['auth', '--logout', 'pre']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /logged out of "pre"/);
    expectError(await call('pre'), 'AUTH_REQUIRED');
    const again = await cli(['auth', '--logout', 'pre']);
    assert.match(again.stdout, /no stored login for "pre"/);
  });

  it('warns in validate about an oauth server without a stored login', async () => {
    const run = await cli(['validate', '--rules', gateway.rulesPath]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /^warning: .*mcpServers\.pre\.auth: server "pre" uses OAuth but has no usable login \(not logged in\); run `agent-mcp-gateway auth pre`/m,
    );
    assert.doesNotMatch(run.stdout, /server "remote" uses OAuth/);
    assert.doesNotMatch(run.stdout, /server "plain" uses OAuth/, 'no auth field: a login may not be needed');
  });

  it('refuses to log in to a server whose Authorization header or auth type rules OAuth out', async () => {
    const none = await cli(['auth', 'never']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^error: server "never" has "auth": \{"type": "none"\}/m);
    const unknown = await cli(['auth', 'ghost']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no server "ghost"/);
  });

  it('shows needs_auth in get_gateway_status', async () => {
    const result = await gateway.call('get_gateway_status', {});
    const { servers } = structured<{ servers: { name: string; status: string }[] }>(result);
    assert.equal(servers.find((server) => server.name === 'pre')?.status, 'needs_auth');
    assert.equal(servers.find((server) => server.name === 'remote')?.status, 'connected');
  });

  it('never shows a token, code, verifier or secret in stderr, the audit log or any result', async () => {
    const { secrets, seenAuthorization } = await oauth.secrets();
    const issued = secrets.filter((secret) => secret.startsWith('at_'));
    assert.ok(issued.length >= 3 && secrets.some((secret) => secret.startsWith('rt_')));
    const audit = await readFile(gateway.auditPath, 'utf8');
    const places = { stderr: gateway.stderr(), audit, results: seen.join('\n') };
    for (const [place, text] of Object.entries(places)) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `${place} holds a secret`);
    }
    // Only tokens the authorization server issued to the gateway ever reached the resource server.
    for (const header of seenAuthorization) {
      assert.ok(issued.includes(header.replace(/^Bearer /, '')), 'a foreign credential was forwarded');
    }
  });
});

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function freePort(): Promise<number> {
  const server = await listenOn(0);
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
