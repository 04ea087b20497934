/**
 * Token refresh through the built gateway (SPEC §16): before expiry (60 s margin) with rotated
 * refresh tokens saved across several expiries; twenty concurrent calls at expiry sharing one
 * refresh; one refresh on a 401; two gateway processes sharing one store spending a refresh token
 * once; `invalid_grant` → AUTH_REQUIRED and `needs_auth`, fixed by a new login without a restart.
 *
 * The fixture issues tokens that live 62 s, so they are inside the 60 s margin 2 s after issue: the
 * tests wait for that moment (they never assert how long anything took).
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loginHeadlessly, startOAuthFixture, type OAuthFixture } from '../fixtures/oauth/oauth-fixture.ts';
import { expectError } from './gateway-test-helpers.ts';
import { startGateway, structured, type RunningGateway } from './harness.ts';

const MARGIN_MS = 60_000;

interface StoredFile {
  tokens?: { access_token: string; refresh_token?: string; expires_at?: number };
  needs_login?: string;
}

describe('downstream OAuth refresh', () => {
  let oauth: OAuthFixture;
  let first: RunningGateway;
  let second: RunningGateway;
  let storeDir: string;
  const results: string[] = [];

  const servers = () => ({
    remote: { url: `${oauth.url}/remote`, auth: { type: 'oauth' } },
    machine: {
      url: `${oauth.url}/machine`,
      auth: { type: 'client_credentials', client_id: 'cc-client', client_secret: 'cc-secret' },
    },
  });
  const call = async (gateway: RunningGateway, server = 'remote'): Promise<CallToolResult> => {
    const result = await gateway.call('execute_tool', { server, tool: 'whoami' });
    results.push(JSON.stringify(result));
    return result;
  };
  const succeeds = async (gateway: RunningGateway, server = 'remote') => {
    const result = await call(gateway, server);
    assert.notEqual(result.isError, true, JSON.stringify(result));
  };
  const stored = async (): Promise<StoredFile> => {
    const [file] = (await readdir(storeDir)).filter((name) => name.endsWith('.json'));
    return JSON.parse(await readFile(join(storeDir, file!), 'utf8')) as StoredFile;
  };
  /** Waits until the stored access token is inside the refresh margin. */
  const untilStale = async () => {
    const expiresAt = (await stored()).tokens?.expires_at ?? 0;
    const wait = expiresAt - MARGIN_MS - Date.now() + 100;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  };
  const login = async () => {
    const run = await loginHeadlessly('remote', {
      serversPath: first.serversPath,
      env: { HOME: first.dir, GATEWAY_OAUTH_DIR: storeDir },
    });
    results.push(run.stdout, run.stderr);
    assert.equal(run.code, 0, run.stderr);
  };
  const status = async (gateway: RunningGateway) => {
    const result = await gateway.call('list_servers', { include_metadata: true });
    const { servers: listed } = structured<{ servers: { name: string; status: string }[] }>(result);
    return listed.find((entry) => entry.name === 'remote')?.status;
  };

  before(async () => {
    oauth = await startOAuthFixture(['--expires-in', '62']);
    storeDir = join(await mkdtemp(join(tmpdir(), 'gateway-oauth-store-')), 'oauth');
    const env = { GATEWAY_OAUTH_DIR: storeDir };
    [first, second] = await Promise.all([
      startGateway({ servers: servers(), env }),
      startGateway({ servers: servers(), env }),
    ]);
    await login();
  });
  after(async () => {
    await Promise.all([first?.close(), second?.close()]);
    await oauth?.close();
    if (storeDir) await rm(join(storeDir, '..'), { recursive: true, force: true });
  });

  it('refreshes before expiry and saves each rotated refresh token, across several expiries', async () => {
    await succeeds(first);
    // The login's own probe was answered 401 once; the gateway's requests must add none.
    const { unauthorized } = await oauth.stats();
    for (let round = 0; round < 3; round += 1) {
      await untilStale();
      const before = { stats: await oauth.stats(), file: await stored() };
      await succeeds(first);
      const after = { stats: await oauth.stats(), file: await stored() };
      assert.ok(after.stats.refreshes > before.stats.refreshes, `round ${round}: no refresh`);
      assert.notEqual(after.file.tokens?.refresh_token, before.file.tokens?.refresh_token);
      assert.notEqual(after.file.tokens?.access_token, before.file.tokens?.access_token);
    }
    assert.equal(
      (await oauth.stats()).unauthorized,
      unauthorized,
      'the token was refreshed before the server refused it',
    );
  });

  it('shares one refresh between 20 concurrent calls at expiry', async () => {
    await oauth.set({ expires_in: 3600 });
    await untilStale();
    const before = await oauth.stats();
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => call(first)));
    for (const outcome of outcomes) assert.notEqual(outcome.isError, true, JSON.stringify(outcome));
    assert.equal((await oauth.stats()).refreshes, before.refreshes + 1);
  });

  it('refreshes once when the server answers 401 to a token it no longer accepts', async () => {
    await oauth.set({ expires_in: 62, revoke_access: true });
    const before = await oauth.stats();
    await succeeds(first);
    const after = await oauth.stats();
    assert.ok(after.unauthorized > before.unauthorized);
    assert.ok(after.refreshes > before.refreshes);
  });

  it('lets two gateways sharing the store spend a refresh token only once', async () => {
    await oauth.set({ expires_in: 3600 });
    await untilStale();
    const before = await oauth.stats();
    const outcomes = await Promise.all([
      ...Array.from({ length: 5 }, () => call(first)),
      ...Array.from({ length: 5 }, () => call(second)),
    ]);
    for (const outcome of outcomes) assert.notEqual(outcome.isError, true, JSON.stringify(outcome));
    assert.equal((await oauth.stats()).refreshes, before.refreshes + 1);
  });

  it('turns a refused refresh (invalid_grant) into AUTH_REQUIRED and needs_auth, failing later calls at once', async () => {
    await oauth.set({ fail_refresh: true, revoke_access: true });
    const error = expectError(await call(first), 'AUTH_REQUIRED');
    assert.match(error.message, /agent-mcp-gateway auth remote/);
    assert.equal(await status(first), 'needs_auth');
    const file = await stored();
    assert.equal(file.tokens, undefined, 'the refused tokens are dropped');
    assert.match(file.needs_login ?? '', /invalid_grant/);
    const before = await oauth.stats();
    expectError(await call(first), 'AUTH_REQUIRED');
    expectError(await call(second), 'AUTH_REQUIRED');
    const after = await oauth.stats();
    assert.equal(after.refreshes, before.refreshes, 'no refresh is retried with a refused token');
    assert.equal(after.mcpRequests, before.mcpRequests, 'the calls failed without a request');
  });

  it('works again after a new login, without restarting the gateways', async () => {
    await oauth.set({ fail_refresh: false });
    await login();
    await succeeds(first);
    await succeeds(second);
    assert.equal(await status(first), 'connected');
  });

  it('renews client credentials tokens before they expire and after a 401, by itself', async () => {
    await oauth.set({ expires_in: 62 });
    const issuedAt = Date.now();
    await succeeds(first, 'machine');
    const fetched = (await oauth.stats()).clientCredentials;
    // The 62 s token is inside the 60 s margin 2 s after it was issued.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, issuedAt + 2100 - Date.now())));
    const before = await oauth.stats();
    await succeeds(first, 'machine');
    const renewed = await oauth.stats();
    assert.ok(renewed.clientCredentials > fetched, 'renewed before expiry');
    assert.equal(renewed.unauthorized, before.unauthorized, 'renewed before the server refused it');
    await oauth.set({ expires_in: 3600, revoke_access: true });
    await succeeds(first, 'machine');
    const after = await oauth.stats();
    assert.ok(after.unauthorized > renewed.unauthorized);
    assert.ok(after.clientCredentials > renewed.clientCredentials, 'renewed after the 401');
  });

  it('keeps tokens out of both gateways’ stderr, audit logs and results', async () => {
    const { secrets } = await oauth.secrets();
    const texts = {
      'first stderr': first.stderr(),
      'second stderr': second.stderr(),
      'first audit': await readFile(first.auditPath, 'utf8'),
      'second audit': await readFile(second.auditPath, 'utf8'),
      results: results.join('\n'),
    };
    for (const [place, text] of Object.entries(texts)) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `${place} holds a secret`);
    }
  });
});
