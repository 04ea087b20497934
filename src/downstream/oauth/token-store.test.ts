import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { oauthDirectory, TokenStore, type StoredLogin } from './token-store.ts';

const login = (access: string): StoredLogin => ({
  version: 1,
  server_name: 'remote',
  server_url: 'https://mcp.example.com/mcp',
  issuer: 'https://auth.example.com',
  tokens: { access_token: access, token_type: 'Bearer' },
  updated_at: '',
});

describe('TokenStore', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'token-store-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('locates the store under ~/.config/agent-mcp-gateway/oauth unless GATEWAY_OAUTH_DIR is set', () => {
    assert.equal(oauthDirectory({}, '/home/u'), '/home/u/.config/agent-mcp-gateway/oauth');
    assert.equal(oauthDirectory({ GATEWAY_OAUTH_DIR: '/srv/tokens' }, '/home/u'), '/srv/tokens');
  });

  it('keys files by URL and resource, never by the server name or a readable URL', () => {
    const store = new TokenStore(root);
    const plain = store.pathFor({ url: 'https://mcp.example.com/mcp?key=secret-value' });
    const withResource = store.pathFor({
      url: 'https://mcp.example.com/mcp?key=secret-value',
      resource: 'https://r',
    });
    assert.notEqual(plain, withResource);
    assert.doesNotMatch(plain, /secret-value|example/);
  });

  it('writes a 0600 file in a 0700 folder, tightening a folder that was looser', async () => {
    const dir = join(root, 'modes');
    await mkdir(dir, { mode: 0o755 });
    await chmod(dir, 0o755);
    const store = new TokenStore(dir);
    const identity = { url: 'https://mcp.example.com/mcp' };
    await store.write(identity, login('one'));
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal((await stat(store.pathFor(identity))).mode & 0o777, 0o600);
  });

  it('replaces the file atomically: concurrent writes leave one whole file and no temp files', async () => {
    const store = new TokenStore(join(root, 'atomic'));
    const identity = { url: 'https://mcp.example.com/mcp' };
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.write(identity, login(`token-${i}`))));
    const read = await store.read(identity);
    assert.match(read?.login.tokens?.access_token ?? '', /^token-\d+$/);
    assert.deepEqual(await readdir(store.dir), [store.pathFor(identity).split('/').pop()]);
  });

  it('reads no login as undefined and a corrupt file as an error that says what to do', async () => {
    const store = new TokenStore(join(root, 'corrupt'));
    const identity = { url: 'https://mcp.example.com/mcp' };
    assert.equal(await store.read(identity), undefined);
    await mkdir(store.dir, { recursive: true });
    await writeFile(store.pathFor(identity), '{not json');
    await assert.rejects(store.read(identity), /not valid JSON; remove it and log in again/);
  });

  it('surfaces a failed write instead of swallowing it', async () => {
    const blocker = join(root, 'blocker');
    await writeFile(blocker, 'a file where the folder should be');
    const store = new TokenStore(join(blocker, 'oauth'));
    await assert.rejects(store.write({ url: 'https://x/mcp' }, login('one')), /ENOTDIR|EEXIST/);
  });

  it('runs lock holders one at a time', async () => {
    const store = new TokenStore(join(root, 'lock'));
    const identity = { url: 'https://mcp.example.com/mcp' };
    let inside = 0;
    let overlapped = false;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        store.withLock(identity, async () => {
          inside += 1;
          if (inside > 1) overlapped = true;
          await new Promise((resolve) => setTimeout(resolve, 5));
          inside -= 1;
        }),
      ),
    );
    assert.equal(overlapped, false);
    assert.deepEqual(await readdir(store.dir), [], 'the lock file is removed');
  });

  it('takes over a lock left by a process that died holding it', async () => {
    const store = new TokenStore(join(root, 'stale'));
    const identity = { url: 'https://mcp.example.com/mcp' };
    await mkdir(store.dir, { recursive: true });
    const lock = `${store.pathFor(identity)}.lock`;
    await writeFile(lock, '999999\n');
    const old = new Date(Date.now() - 120_000);
    await utimes(lock, old, old);
    assert.equal(await store.withLock(identity, () => Promise.resolve('ran')), 'ran');
  });

  it('removes a login and says whether there was one', async () => {
    const store = new TokenStore(join(root, 'remove'));
    const identity = { url: 'https://mcp.example.com/mcp' };
    await store.write(identity, login('one'));
    assert.equal(await store.remove(identity), true);
    assert.equal(await store.remove(identity), false);
  });
});
