import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type {
  OAuthDiscoveryState,
  OAuthTokens,
  StoredOAuthClientInformation,
} from '@modelcontextprotocol/client';

/**
 * The OAuth token store (SPEC §16): one JSON file per server identity (URL + resource) in a 0700
 * directory, each 0600 and replaced atomically (temp file + rename), so a reader never sees half a
 * file and the CLI and any number of gateways can share it. Refreshes take a lock file, because a
 * rotated refresh token spent twice is a lost login.
 */

/** Where one server's login lives; the URL and resource decide, never the server's name. */
export interface ServerIdentity {
  url: string;
  resource?: string;
}

export interface StoredTokens extends OAuthTokens {
  /** Epoch ms when the access token expires, from `expires_in` at the time it was saved. */
  expires_at?: number;
}

/** One server's file. Fields are snake_case like the rest of the user's config folder. */
export interface StoredLogin {
  version: 1;
  /** For people reading the folder: the server's name and its URL without credentials. */
  server_name: string;
  server_url: string;
  resource?: string;
  /** The authorization server's `issuer`, recorded at login: tokens are bound to it. */
  issuer?: string;
  authorization_server_url?: string;
  discovery?: OAuthDiscoveryState;
  client?: StoredOAuthClientInformation;
  tokens?: StoredTokens;
  /** Set when the tokens stopped working (a refresh answered `invalid_grant`); a login clears it. */
  needs_login?: string;
  updated_at: string;
}

export interface ReadLogin {
  login: StoredLogin;
  /** The file's mtime, to notice a login made by another process. */
  mtimeMs: number;
}

/** A lock older than this is left over from a process that died while holding it. */
const STALE_LOCK_MS = 30_000;
const LOCK_POLL_MS = 25;
const LOCK_WAIT_MS = 20_000;

/** `GATEWAY_OAUTH_DIR`, else `~/.config/agent-mcp-gateway/oauth` (SPEC §16). */
export function oauthDirectory(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const configured = env.GATEWAY_OAUTH_DIR;
  if (configured !== undefined && configured !== '') return configured;
  return join(home, '.config', 'agent-mcp-gateway', 'oauth');
}

export class TokenStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The file of one identity: a hash, so a URL's query string never becomes a file name. */
  pathFor(identity: ServerIdentity): string {
    const key = createHash('sha256')
      .update(`${identity.url}\n${identity.resource ?? ''}`)
      .digest('hex')
      .slice(0, 32);
    return join(this.dir, `${key}.json`);
  }

  /** The stored login, or undefined when there is none. A corrupt file is an error, not "no login". */
  async read(identity: ServerIdentity): Promise<ReadLogin | undefined> {
    const path = this.pathFor(identity);
    let text: string;
    let mtimeMs: number;
    try {
      [text, { mtimeMs }] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    try {
      return { login: JSON.parse(text) as StoredLogin, mtimeMs };
    } catch {
      throw new Error(`the token file ${path} is not valid JSON; remove it and log in again`);
    }
  }

  /** The file's mtime without reading it, or undefined when there is no file. */
  async mtime(identity: ServerIdentity): Promise<number | undefined> {
    try {
      return (await stat(this.pathFor(identity))).mtimeMs;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Replaces the file atomically; a failure is thrown, never swallowed (SPEC §16). */
  async write(identity: ServerIdentity, login: StoredLogin): Promise<void> {
    await this.#ensureDir();
    const path = this.pathFor(identity);
    const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const text = `${JSON.stringify({ ...login, updated_at: new Date().toISOString() }, null, 2)}\n`;
    try {
      await writeFile(temp, text, { mode: 0o600, flag: 'wx' });
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => {});
      throw error;
    }
  }

  /** Deletes one identity's file; true when there was one. */
  async remove(identity: ServerIdentity): Promise<boolean> {
    try {
      await unlink(this.pathFor(identity));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /**
   * Runs `work` while holding the identity's lock file, across processes. The lock is created
   * with O_EXCL; a lock older than STALE_LOCK_MS belonged to a process that died and is taken over.
   */
  async withLock<T>(identity: ServerIdentity, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.#ensureDir();
    const lock = `${this.pathFor(identity)}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      signal?.throwIfAborted();
      try {
        const handle = await open(lock, 'wx', 0o600);
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const held = await stat(lock).catch(() => undefined);
      if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) {
        await unlink(lock).catch(() => {});
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the token lock ${lock}`);
      await delay(LOCK_POLL_MS, undefined, signal ? { signal } : undefined);
    }
    try {
      return await work();
    } finally {
      await unlink(lock).catch(() => {});
    }
  }

  async #ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // mkdir's mode is masked by the umask and ignored for a folder that exists: make sure of it.
    await chmod(this.dir, 0o700);
  }
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
