import { randomBytes } from 'node:crypto';
import type {
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  StoredOAuthClientInformation,
  StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import { redactUrl } from '../../config/redact-url.ts';
import type { RemoteServerConfig } from '../../config/types.ts';
import { loadClientSdk } from '../client-sdk.ts';
import { startCallbackServer } from './callback-server.ts';
import { identityOf, scopeOf } from './oauth-target.ts';
import { probeChallenge } from './probe-challenge.ts';
import { withExpiry } from './refresh.ts';
import type { StoredLogin, TokenStore } from './token-store.ts';

export interface LoginOptions {
  config: RemoteServerConfig;
  store: TokenStore;
  /** Fixed loopback callback port (for a client pre-registered with one redirect URI); 0 = any. */
  port?: number;
  /** Shows the authorization URL to the person: opens a browser or prints it. */
  present: (authorizationUrl: URL) => void | Promise<void>;
  /** Aborts the wait for the browser (Ctrl-C, a deadline). */
  signal: AbortSignal;
}

/**
 * Runs the authorization-code login with PKCE for one server (SPEC §16) through the SDK's `auth()`:
 * RFC 9728 and RFC 8414/OIDC discovery, dynamic client registration unless a client_id is configured,
 * the RFC 8707 resource, and the RFC 9207 `iss` check when the server sends it. The code arrives on a
 * loopback callback; the result is written to the store, with the issuer it is bound to.
 */
export async function runLogin(options: LoginOptions): Promise<StoredLogin> {
  const { config, store } = options;
  const sdk = await loadClientSdk();
  const callback = await startCallbackServer(options.port ?? 0);
  try {
    const provider = new LoginProvider(config, callback.redirectUrl, options.present);
    const challenge = await probeChallenge(sdk, config, options.signal);
    // Configured scopes win; else the scope the server's challenge asks for; else the SDK chooses.
    const scope = scopeOf(config) ?? challenge.scope;
    const serverUrl = config.url;
    const resourceMetadataUrl = challenge.resourceMetadataUrl;
    const first = await sdk.auth(provider, {
      serverUrl,
      ...(scope !== undefined && { scope }),
      ...(resourceMetadataUrl !== undefined && { resourceMetadataUrl }),
    });
    if (first !== 'REDIRECT') throw new Error('the authorization server finished without a browser step');
    const result = await callback.wait(options.signal);
    if (result.error !== undefined) {
      const detail = result.errorDescription ? `: ${result.errorDescription}` : '';
      throw new Error(`the authorization server refused the login (${result.error}${detail})`);
    }
    if (result.code === undefined) throw new Error('the callback carried no authorization code');
    if (result.state !== provider.expectedState)
      throw new Error('the callback state does not match this login; start again');
    const second = await sdk.auth(provider, {
      serverUrl,
      authorizationCode: result.code,
      ...(result.iss !== undefined && { iss: result.iss }),
      ...(scope !== undefined && { scope }),
      ...(resourceMetadataUrl !== undefined && { resourceMetadataUrl }),
    });
    if (second !== 'AUTHORIZED' || !provider.savedTokens) throw new Error('no tokens were issued');
    const discovery = provider.savedDiscovery;
    const identity = identityOf(config);
    const issuer = provider.savedTokens.issuer ?? discovery?.authorizationServerMetadata?.issuer ?? undefined;
    // A configured client_secret stays in the config (where `${VAR}` can keep it out of files);
    // the gateway adds it back from there when it refreshes.
    const client = provider.savedClient && withoutConfiguredSecret(provider.savedClient, config);
    const login: StoredLogin = {
      version: 1,
      server_name: config.name,
      server_url: redactUrl(config.url),
      ...(identity.resource !== undefined && { resource: identity.resource }),
      ...(issuer !== undefined && { issuer }),
      ...(discovery && { authorization_server_url: discovery.authorizationServerUrl, discovery }),
      ...(client && { client }),
      tokens: withExpiry(provider.savedTokens),
      updated_at: new Date().toISOString(),
    };
    await store.write(identity, login);
    return login;
  } finally {
    await callback.close();
  }
}

function withoutConfiguredSecret(
  client: StoredOAuthClientInformation,
  config: RemoteServerConfig,
): StoredOAuthClientInformation {
  if (config.auth?.type !== 'oauth' || config.auth.clientSecret === undefined) return client;
  const { client_secret: _configured, ...rest } = client;
  return rest;
}

/** The SDK's view of one login in progress; everything stays in memory until the login is written. */
class LoginProvider implements OAuthClientProvider {
  readonly #config: RemoteServerConfig;
  readonly #redirectUrl: string;
  readonly #present: LoginOptions['present'];
  readonly expectedState = randomBytes(16).toString('base64url');
  #verifier: string | undefined;
  savedClient: StoredOAuthClientInformation | undefined;
  savedTokens: StoredOAuthTokens | undefined;
  savedDiscovery: OAuthDiscoveryState | undefined;
  /** Set only for a configured RFC 8707 resource; otherwise the SDK's own check applies. */
  validateResourceURL?: (serverUrl: string | URL, resource?: string) => Promise<URL | undefined>;

  constructor(config: RemoteServerConfig, redirectUrl: string, present: LoginOptions['present']) {
    this.#config = config;
    this.#redirectUrl = redirectUrl;
    this.#present = present;
    const auth = config.auth?.type === 'oauth' ? config.auth : undefined;
    const resource = auth?.resource;
    if (resource !== undefined) this.validateResourceURL = () => Promise.resolve(new URL(resource));
    if (auth?.clientId !== undefined) {
      // A pre-registered client: no dynamic registration (SPEC §16).
      this.savedClient = {
        client_id: auth.clientId,
        ...(auth.clientSecret !== undefined && { client_secret: auth.clientSecret }),
      };
    }
  }

  get redirectUrl(): string {
    return this.#redirectUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    const scope = scopeOf(this.#config);
    return {
      client_name: 'agent-mcp-gateway',
      redirect_uris: [this.#redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...(scope !== undefined && { scope }),
    };
  }

  state(): string {
    return this.expectedState;
  }

  clientInformation(): StoredOAuthClientInformation | undefined {
    return this.savedClient;
  }

  saveClientInformation(information: StoredOAuthClientInformation): void {
    this.savedClient = information;
  }

  /** A login always starts afresh: old tokens are neither refreshed nor reused here. */
  tokens(): StoredOAuthTokens | undefined {
    return this.savedTokens;
  }

  saveTokens(tokens: StoredOAuthTokens): void {
    this.savedTokens = tokens;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    await this.#present(authorizationUrl);
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.#verifier = codeVerifier;
  }

  codeVerifier(): string {
    if (this.#verifier === undefined) throw new Error('no PKCE verifier was saved for this login');
    return this.#verifier;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.savedDiscovery = state;
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.savedDiscovery;
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'tokens') this.savedTokens = undefined;
    if (scope === 'all' || scope === 'verifier') this.#verifier = undefined;
    if (scope === 'all' || scope === 'discovery') this.savedDiscovery = undefined;
    const preRegistered = this.#config.auth?.type === 'oauth' && this.#config.auth.clientId !== undefined;
    if ((scope === 'all' || scope === 'client') && !preRegistered) this.savedClient = undefined;
  }
}
