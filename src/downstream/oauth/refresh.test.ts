import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { RemoteServerConfig } from '../../config/types.ts';
import { startOAuthFixture, type OAuthFixture } from '../../../test/fixtures/oauth/oauth-fixture.ts';
import { runLogin } from './login.ts';
import { AuthRequiredError, identityOf } from './oauth-target.ts';
import { refreshStoredLogin } from './refresh.ts';
import { TokenStore, type ServerIdentity, type StoredLogin } from './token-store.ts';

/** A store whose disk is full: reads work, writes fail. */
class FullDiskStore extends TokenStore {
  override write(_identity: ServerIdentity, _login: StoredLogin): Promise<void> {
    return Promise.reject(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
  }
}

describe('refreshStoredLogin', () => {
  let oauth: OAuthFixture;
  let dir: string;
  const logger = pino({ level: 'silent' });

  before(async () => {
    oauth = await startOAuthFixture();
    dir = await mkdtemp(join(tmpdir(), 'oauth-refresh-'));
  });
  after(async () => {
    await oauth?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A real login, driven in-process: the "browser" fetches the URL and follows the redirect. */
  const loggedIn = async (name: string, auth: RemoteServerConfig['auth'] = { type: 'oauth' }) => {
    const config: RemoteServerConfig = {
      name,
      transport: 'http',
      url: `${oauth.url}/${name}`,
      headers: {},
      timeoutMs: 60_000,
      ...(auth && { auth }),
    };
    const store = new TokenStore(dir);
    const login = await runLogin({
      config,
      store,
      signal: AbortSignal.timeout(10_000),
      present: (url) => void fetch(url, { redirect: 'follow' }).then((response) => response.text()),
    });
    return { config, store, login, identity: identityOf(config) };
  };

  it('surfaces a failed save of rotated tokens, without the tokens in the message', async () => {
    const { login, identity } = await loggedIn('disk-full');
    const failing = new FullDiskStore(dir);
    const refreshing = refreshStoredLogin({
      server: 'disk-full',
      store: failing,
      identity,
      staleAccessToken: login.tokens!.access_token,
      marginMs: 60_000,
      logger,
    });
    await assert.rejects(refreshing, (error: Error) => {
      assert.match(error.message, /refreshed OAuth tokens of server "disk-full" could not be saved.*ENOSPC/);
      const { secrets } = { secrets: [login.tokens!.access_token, login.tokens!.refresh_token!] };
      for (const secret of secrets) assert.ok(!error.message.includes(secret));
      return true;
    });
  });

  it('uses tokens another process saved meanwhile instead of spending the refresh token again', async () => {
    const { store, login, identity } = await loggedIn('raced');
    const before = await oauth.stats();
    const refreshed = await refreshStoredLogin({
      server: 'raced',
      store,
      identity,
      staleAccessToken: 'an-older-access-token',
      marginMs: 60_000,
      logger,
    });
    assert.equal(refreshed.tokens?.access_token, login.tokens?.access_token);
    assert.equal((await oauth.stats()).refreshes, before.refreshes);
  });

  it('keeps a configured client secret out of the store and adds it back to refresh', async () => {
    const auth = { type: 'oauth', clientId: 'cc-client', clientSecret: 'cc-secret' } as const;
    const { store, login, identity } = await loggedIn('confidential', auth);
    const onDisk = await store.read(identity);
    assert.equal(onDisk?.login.client?.client_id, 'cc-client');
    assert.equal(onDisk?.login.client?.client_secret, undefined);
    const before = await oauth.stats();
    const refreshed = await refreshStoredLogin({
      server: 'confidential',
      store,
      identity,
      staleAccessToken: login.tokens!.access_token,
      marginMs: 60_000,
      logger,
      clientSecret: 'cc-secret',
    });
    assert.notEqual(refreshed.tokens?.access_token, login.tokens?.access_token);
    assert.equal((await oauth.stats()).refreshes, before.refreshes + 1);
    assert.equal((await store.read(identity))?.login.client?.client_secret, undefined);
  });

  it('records that a login is needed when the refresh token is refused', async () => {
    const { store, login, identity } = await loggedIn('refused');
    await oauth.set({ fail_refresh: true });
    try {
      await assert.rejects(
        refreshStoredLogin({
          server: 'refused',
          store,
          identity,
          staleAccessToken: login.tokens!.access_token,
          marginMs: 60_000,
          logger,
        }),
        (error: unknown) =>
          error instanceof AuthRequiredError && /agent-mcp-gateway auth refused/.test(error.message),
      );
    } finally {
      await oauth.set({ fail_refresh: false });
    }
    const after = await store.read(identity);
    assert.equal(after?.login.tokens, undefined);
    assert.match(after?.login.needs_login ?? '', /invalid_grant/);
  });
});
