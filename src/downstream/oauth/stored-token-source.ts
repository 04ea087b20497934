import { existsSync } from 'node:fs';
import type { AuthProvider } from '@modelcontextprotocol/client';

/** What the transport passes on a 401 (the SDK does not export its name). */
type UnauthorizedContext = Parameters<NonNullable<AuthProvider['onUnauthorized']>>[0];
import type { Logger } from '../../logger.ts';
import { AuthRequiredError } from './oauth-target.ts';
import { refreshStoredLogin } from './refresh.ts';
import type { ReadLogin, ServerIdentity, StoredLogin, TokenStore } from './token-store.ts';

/** Refresh this long before the access token expires (SPEC §16: 60 s margin). */
export const REFRESH_MARGIN_MS = 60_000;
/**
 * How long "no token file" is trusted for a server that may go without a login (no `auth`, not
 * challenged yet): every request to such a server, the common remote case, stat'ed the file
 * before, one thread-pool round trip and an ENOENT error per call. A login that appears meanwhile
 * is still used at once where it matters: the server's 401 makes the transport re-read the file.
 * A stored login is checked on every request, so a refresh or a refused token written by another
 * process is seen by the next call.
 */
const RECHECK_MS = 1000;

export interface StoredTokenSourceOptions {
  server: string;
  identity: ServerIdentity;
  store: TokenStore;
  /** `oauth`: no request goes out without a login. `on_challenge`: only after a 401 asks for OAuth. */
  requireLogin: boolean;
  logger: Logger;
  /** A configured client_secret, for refresh requests (the store does not keep it). */
  clientSecret?: string;
  /** A token that becomes known (e.g. after a refresh), so the log scrubber can mask it. */
  onSecret?: (secret: string) => void;
}

/**
 * The transport's token for one server, from the shared token store (SPEC §16). Before every
 * request: the file is re-read when its mtime changed (a login made by `auth` is picked up without
 * a restart; the absence of a file is trusted for RECHECK_MS where a request may go without one),
 * and the token is refreshed when it expires within REFRESH_MARGIN_MS. On a 401: the file is
 * re-read, and if it holds nothing newer, the token is refreshed once. One refresh is in flight
 * per server in this process; the store's lock covers other processes. Never opens a browser: when
 * no valid token can be had, the request fails at once with AuthRequiredError.
 */
export class StoredTokenSource implements AuthProvider {
  readonly #options: StoredTokenSourceOptions;
  #cached: ReadLogin | undefined;
  #refreshing: Promise<StoredLogin> | undefined;
  #needsAuth: string | undefined;
  /** When the file was last checked (its mtime compared with #cached's). */
  #checkedAt = Number.NEGATIVE_INFINITY;
  /** The access token last handed to the transport, to tell a 401 for it from one for a newer token. */
  #lastSent: string | undefined;
  /** A server without `auth` that answered 401 pointing to OAuth: from then on it needs a login. */
  #challenged = false;

  constructor(options: StoredTokenSourceOptions) {
    this.#options = options;
  }

  /** Why the server needs a login, or undefined while it has (or may not need) one. */
  get needsAuth(): string | undefined {
    if (this.#needsAuth !== undefined) return this.#needsAuth;
    // Before the first request, a server that requires a login and has none already needs one:
    // list_servers says so without a call failing first. One stat, no read.
    if (this.#options.requireLogin && !existsSync(this.#options.store.pathFor(this.#options.identity)))
      return new AuthRequiredError(this.#options.server, 'no stored login').message;
    return undefined;
  }

  async token(): Promise<string | undefined> {
    let login = await this.#current();
    const tokens = login?.tokens;
    if (!login || !tokens || login.needs_login !== undefined) {
      const required = this.#options.requireLogin || this.#challenged;
      if (!required && login?.needs_login === undefined) return undefined;
      throw this.#authRequired(login?.needs_login ?? 'no stored login');
    }
    if (tokens.expires_at !== undefined && tokens.expires_at - REFRESH_MARGIN_MS <= Date.now()) {
      if (tokens.refresh_token === undefined) {
        if (tokens.expires_at <= Date.now()) throw this.#authRequired('the access token expired');
      } else {
        login = await this.#refresh(tokens.access_token);
      }
    }
    this.#needsAuth = undefined;
    this.#lastSent = login.tokens?.access_token;
    return this.#lastSent;
  }

  async onUnauthorized(context: UnauthorizedContext): Promise<void> {
    const sent = this.#lastSent;
    const fresh = await this.#reload();
    if (
      fresh?.login.tokens &&
      fresh.login.needs_login === undefined &&
      fresh.login.tokens.access_token !== sent
    )
      return; // Another process logged in or refreshed: retry with its token.
    if (fresh?.login.tokens?.refresh_token !== undefined && fresh.login.needs_login === undefined && sent) {
      await this.#refresh(sent);
      return;
    }
    const challenge = context.response.headers.get('www-authenticate') ?? '';
    if (this.#options.requireLogin || pointsToOAuth(challenge)) {
      // Later calls fail at once, without asking the server again, until a login appears.
      this.#challenged = true;
      throw this.#authRequired(fresh ? 'the server rejected the stored token' : 'the server asks for OAuth');
    }
    // A 401 that does not speak OAuth is an ordinary failure: the transport reports it as such.
  }

  async #current(): Promise<StoredLogin | undefined> {
    if (Date.now() - this.#checkedAt < RECHECK_MS && this.#canGoWithCached()) return this.#cached?.login;
    const mtime = await this.#options.store.mtime(this.#options.identity);
    this.#checkedAt = Date.now();
    if (mtime === undefined) {
      this.#cached = undefined;
      return undefined;
    }
    if (this.#cached?.mtimeMs !== mtime) return (await this.#reload())?.login;
    return this.#cached.login;
  }

  /** No file, for a server a request may reach without a login: no need to look again yet. */
  #canGoWithCached(): boolean {
    return this.#cached === undefined && !this.#options.requireLogin && !this.#challenged;
  }

  async #reload(): Promise<ReadLogin | undefined> {
    this.#checkedAt = Date.now();
    this.#cached = await this.#options.store.read(this.#options.identity);
    const tokens = this.#cached?.login.tokens;
    if (tokens) this.#options.onSecret?.(tokens.access_token);
    return this.#cached;
  }

  /** Single-flight per server: twenty calls at expiry share one refresh. */
  #refresh(staleAccessToken: string): Promise<StoredLogin> {
    this.#refreshing ??= refreshStoredLogin({
      store: this.#options.store,
      identity: this.#options.identity,
      staleAccessToken,
      marginMs: REFRESH_MARGIN_MS,
      ...(this.#options.clientSecret !== undefined && { clientSecret: this.#options.clientSecret }),
      server: this.#options.server,
      logger: this.#options.logger,
    })
      .then(
        (login) => {
          if (login.tokens) {
            this.#options.onSecret?.(login.tokens.access_token);
            if (login.tokens.refresh_token) this.#options.onSecret?.(login.tokens.refresh_token);
          }
          this.#cached = undefined;
          this.#checkedAt = Number.NEGATIVE_INFINITY;
          return login;
        },
        (error: unknown) => {
          if (error instanceof AuthRequiredError) this.#needsAuth = error.message;
          throw error;
        },
      )
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  #authRequired(reason: string): AuthRequiredError {
    const error = new AuthRequiredError(this.#options.server, reason);
    this.#needsAuth = error.message;
    return error;
  }
}

/** A Bearer challenge with RFC 9728 `resource_metadata`, or any Bearer challenge (RFC 6750). */
function pointsToOAuth(challenge: string): boolean {
  return /^\s*bearer\b/i.test(challenge) || /resource_metadata\s*=/i.test(challenge);
}
