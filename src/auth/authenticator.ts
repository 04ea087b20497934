/**
 * Who is calling over HTTP (SPEC §13, §14): a bearer API key or JWT becomes a principal, or a 401
 * with a reason, returned as a value. The rules are read per call through `getRules`, so a reload
 * that removes a key, an agent or the JWT set-up takes effect on the next request.
 *
 * Secrets: the key, the token and the key's hash never appear in a result or a log line. Keys are
 * compared by SHA-256 digest with `timingSafeEqual` against every configured digest, without
 * stopping at a match, so timing tells nothing about how close a guess was or which entry matched.
 */

import { timingSafeEqual } from 'node:crypto';
import { isValidAgentId } from '../identity/resolve-agent.ts';
import type { Logger } from '../logger.ts';
import type { PolicyRules } from '../policy/types.ts';
import { apiKeyDigest } from './api-key.ts';
import { createJwtVerifier, type JwtVerifier, type JwtVerifierHandle } from './jwt-verifier.ts';

export type AuthSuccess = { ok: true; principal: string; source: 'credential' };
/** `tokenGiven` tells the header's `error="invalid_token"` (RFC 6750 §3) from a missing credential. */
export type AuthFailure = { ok: false; status: 401; reason: string; tokenGiven: boolean };
export type AuthResult = AuthSuccess | AuthFailure;

export interface Authenticator {
  authenticate(authorizationHeader: string | undefined): Promise<AuthResult>;
  /** The `WWW-Authenticate` value for a failure, with the current rules' `resource_metadata`. */
  wwwAuthenticate(failure: AuthFailure): string;
}

export interface AuthenticatorOptions {
  /** The rules in force now; called on every request. */
  getRules: () => PolicyRules;
  logger?: Logger;
}

interface CompiledRules {
  keys: { digest: Buffer; agent: string }[];
  jwt?: JwtVerifierHandle;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
// Three base64url segments; an `amg_` key has no dot.
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function createAuthenticator({ getRules, logger }: AuthenticatorOptions): Authenticator {
  // One compilation per rules version: digests decoded once, a JWKS file read once per reload.
  const compiled = new WeakMap<PolicyRules, CompiledRules>();
  let lastRemote: JwtVerifierHandle['remote'];

  function compile(rules: PolicyRules): CompiledRules {
    const cached = compiled.get(rules);
    if (cached !== undefined) return cached;
    const keys = Object.entries(rules.agents).flatMap(([agent, agentRules]) =>
      (agentRules.credentials?.api_keys ?? []).map((hash) => ({
        digest: Buffer.from(hash.slice('sha256:'.length), 'hex'),
        agent,
      })),
    );
    const jwtRules = rules.auth?.jwt;
    const jwt =
      jwtRules === undefined
        ? undefined
        : createJwtVerifier(jwtRules, {
            ...(logger && { logger }),
            ...(lastRemote && { previous: lastRemote }),
          });
    lastRemote = jwt?.remote ?? lastRemote;
    const result: CompiledRules = { keys, ...(jwt !== undefined && { jwt }) };
    compiled.set(rules, result);
    return result;
  }

  return {
    async authenticate(header) {
      if (header === undefined || header.trim() === '') {
        return fail('no credential was given: send "Authorization: Bearer <API key or JWT>"', false);
      }
      const token = BEARER.exec(header)?.[1];
      if (token === undefined) return fail('the Authorization header is not "Bearer <credential>"', true);
      const rules = getRules();
      const { keys, jwt } = compile(rules);

      const keyOwner = matchKey(keys, token);
      if (keyOwner !== undefined) return principal(rules, keyOwner);
      if (jwt === undefined || !JWT_SHAPE.test(token)) return fail('the API key is not valid', true);
      return verifyJwt(jwt.verifier, rules, token);
    },
    wwwAuthenticate(failure) {
      return wwwAuthenticateHeader(failure, getRules().auth?.jwt?.resource_metadata);
    },
  };
}

/** Compares with every digest, always: the loop never exits early and never branches on a byte. */
function matchKey(keys: readonly CompiledRules['keys'][number][], token: string): string | undefined {
  const digest = apiKeyDigest(token);
  let owner: string | undefined;
  for (const key of keys) {
    if (timingSafeEqual(digest, key.digest) && owner === undefined) owner = key.agent;
  }
  return owner;
}

async function verifyJwt(verifier: JwtVerifier, rules: PolicyRules, token: string): Promise<AuthResult> {
  const verification = await verifier.verify(token);
  if (!verification.ok) return fail(verification.reason, true);
  const claim = verification.claim;
  const claimName = rules.auth?.jwt?.agent_claim ?? 'sub';
  if (typeof claim !== 'string' || !isValidAgentId(claim)) {
    return fail(`the token's "${claimName}" claim does not name an agent`, true);
  }
  return principal(rules, claim);
}

// SPEC §13: a principal must be defined now; one removed by a reload is refused at once.
function principal(rules: PolicyRules, agent: string): AuthResult {
  if (!Object.hasOwn(rules.agents, agent))
    return fail('the credential names an agent the rules do not define', true);
  return { ok: true, principal: agent, source: 'credential' };
}

function fail(reason: string, tokenGiven: boolean): AuthFailure {
  return { ok: false, status: 401, reason, tokenGiven };
}

/**
 * `Bearer realm=…[, error="invalid_token", error_description=…][, resource_metadata=…]` (RFC 6750
 * §3, RFC 9728 §5.1). A client that sent no credential gets no error code, as RFC 6750 asks.
 */
export function wwwAuthenticateHeader(failure: AuthFailure, resourceMetadata: string | undefined): string {
  const parts = ['realm="agent-mcp-gateway"'];
  if (failure.tokenGiven) parts.push('error="invalid_token"', `error_description=${quote(failure.reason)}`);
  if (resourceMetadata !== undefined) parts.push(`resource_metadata=${quote(resourceMetadata)}`);
  return `Bearer ${parts.join(', ')}`;
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&').replace(/[^\x20-\x7e]/g, '')}"`;
}
