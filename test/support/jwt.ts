/**
 * Real JWTs for tests (SPEC §13): key pairs made by jose, tokens signed with them, and the rules
 * that accept them. Shared by the authenticator's unit tests and the HTTP end-to-end tests.
 */
import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { AuthFailure, AuthResult } from '../../src/auth/authenticator.ts';
import type { JwtAuthRules, PolicyRules } from '../../src/policy/types.ts';

export const ISSUER = 'https://idp.test';
export const AUDIENCE = 'agent-mcp-gateway';

export interface SigningKey {
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function signingKey(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export async function token(
  key: SigningKey,
  claims: Record<string, unknown> = {},
  options: { iss?: string; aud?: string; exp?: number | string | null; kid?: string; alg?: string } = {},
): Promise<string> {
  const jwt = new SignJWT({ sub: 'ci', ...claims })
    .setProtectedHeader({ alg: options.alg ?? key.jwk.alg ?? 'RS256', kid: options.kid ?? key.jwk.kid ?? '' })
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setIssuedAt();
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? '5m');
  return jwt.sign(key.privateKey);
}

export function rulesWith(
  jwt: JwtAuthRules | undefined,
  agents: PolicyRules['agents'] = { ci: {}, other: {} },
): PolicyRules {
  return { agents, defaults: { deny_on_missing_agent: false }, ...(jwt && { auth: { jwt } }) };
}

export function jwtRules(
  source: { jwks_uri: string } | { jwks_file: string },
  extra: Partial<JwtAuthRules> = {},
) {
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    agent_claim: 'sub',
    algorithms: ['RS256', 'ES256'],
    ...source,
    ...extra,
  } satisfies JwtAuthRules;
}

export function failure(result: AuthResult): AuthFailure {
  assert.equal(result.ok, false, `expected a 401, got ${JSON.stringify(result)}`);
  return result;
}
