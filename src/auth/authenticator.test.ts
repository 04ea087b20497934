/**
 * SPEC §13 credentials: real keys, real JWTs signed by keys made with jose, a JWKS served over real
 * HTTP on loopback (`jwks_uri`) and one read from a file (`jwks_file`).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { JwtAuthRules, PolicyRules } from '../policy/types.ts';
import { generateApiKey, hashApiKey } from './api-key.ts';
import {
  createAuthenticator,
  credentialsConfigured,
  wwwAuthenticateHeader,
  type AuthFailure,
  type AuthResult,
} from './authenticator.ts';

const ISSUER = 'https://idp.test';
const AUDIENCE = 'agent-mcp-gateway';

interface SigningKey {
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

async function token(
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

function rulesWith(
  jwt: JwtAuthRules | undefined,
  agents: PolicyRules['agents'] = { ci: {}, other: {} },
): PolicyRules {
  return { agents, defaults: { deny_on_missing_agent: false }, ...(jwt && { auth: { jwt } }) };
}

function jwtRules(source: { jwks_uri: string } | { jwks_file: string }, extra: Partial<JwtAuthRules> = {}) {
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    agent_claim: 'sub',
    algorithms: ['RS256', 'ES256'],
    ...source,
    ...extra,
  } satisfies JwtAuthRules;
}

function failure(result: AuthResult): AuthFailure {
  assert.equal(result.ok, false, `expected a 401, got ${JSON.stringify(result)}`);
  return result as AuthFailure;
}

describe('authenticator: API keys', () => {
  const ciKey = generateApiKey();
  const otherKey = generateApiKey();
  let rules: PolicyRules = rulesWith(undefined, {
    ci: { credentials: { api_keys: [hashApiKey(generateApiKey()), hashApiKey(ciKey)] } },
    other: { credentials: { api_keys: [hashApiKey(otherKey)] } },
    plain: {},
  });
  const auth = createAuthenticator({ getRules: () => rules });

  it('names the principal whose hash matches the bearer key', async () => {
    assert.deepEqual(await auth.authenticate(`Bearer ${ciKey}`), {
      ok: true,
      principal: 'ci',
      source: 'credential',
    });
    assert.deepEqual(await auth.authenticate(`bearer ${otherKey}`), {
      ok: true,
      principal: 'other',
      source: 'credential',
    });
  });

  it('refuses a missing credential without an error code in WWW-Authenticate', async () => {
    for (const header of [undefined, '', '  ']) {
      const result = failure(await auth.authenticate(header));
      assert.equal(result.status, 401);
      assert.equal(result.tokenGiven, false);
      assert.equal(auth.wwwAuthenticate(result), 'Bearer realm="agent-mcp-gateway"');
    }
  });

  it('refuses an unknown key, a key with a changed character and a non-Bearer scheme', async () => {
    const tampered = `${ciKey.slice(0, -1)}${ciKey.endsWith('A') ? 'B' : 'A'}`;
    for (const header of [`Bearer ${generateApiKey()}`, `Bearer ${tampered}`, `Basic ${ciKey}`, ciKey]) {
      const result = failure(await auth.authenticate(header));
      assert.equal(result.tokenGiven, true);
      assert.match(
        auth.wwwAuthenticate(result),
        /^Bearer realm="agent-mcp-gateway", error="invalid_token", /,
      );
    }
  });

  it('refuses the hash itself presented as a key', async () => {
    failure(await auth.authenticate(`Bearer ${hashApiKey(ciKey)}`));
  });

  it('never returns the key or its hash in a failure', async () => {
    const key = generateApiKey();
    const text = JSON.stringify(failure(await auth.authenticate(`Bearer ${key}`)));
    assert.ok(!text.includes(key) && !text.includes(hashApiKey(key).slice(7)));
  });

  it('refuses a key whose agent a reload removed, at the next request', async () => {
    const before = rules;
    rules = rulesWith(undefined, { other: before.agents.other! });
    try {
      failure(await auth.authenticate(`Bearer ${ciKey}`));
      assert.equal((await auth.authenticate(`Bearer ${otherKey}`)).ok, true);
    } finally {
      rules = before;
    }
  });

  it('says credentials are configured when an agent has credentials or auth.jwt is set', () => {
    assert.equal(credentialsConfigured(rulesWith(undefined)), false);
    assert.equal(credentialsConfigured(rules), true);
    assert.equal(credentialsConfigured(rulesWith(undefined, { a: { credentials: { api_keys: [] } } })), true);
    assert.equal(credentialsConfigured(rulesWith(jwtRules({ jwks_file: '/nowhere' }))), true);
  });
});

describe('authenticator: JWT with jwks_uri over HTTP', () => {
  let server: Server;
  let jwksUri: string;
  let key: SigningKey;
  let ecKey: SigningKey;
  let stranger: SigningKey;
  let rules: PolicyRules;
  let auth: ReturnType<typeof createAuthenticator>;

  before(async () => {
    key = await signingKey('main');
    ecKey = await signingKey('ec', 'ES256');
    stranger = await signingKey('stranger');
    const body = JSON.stringify({ keys: [key.jwk, ecKey.jwk] });
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    rules = rulesWith(
      jwtRules(
        { jwks_uri: jwksUri },
        { resource_metadata: 'https://gw.test/.well-known/oauth-protected-resource' },
      ),
    );
    auth = createAuthenticator({ getRules: () => rules });
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('names the principal of a valid RS256 or ES256 token by its sub claim', async () => {
    assert.deepEqual(await auth.authenticate(`Bearer ${await token(key)}`), {
      ok: true,
      principal: 'ci',
      source: 'credential',
    });
    assert.deepEqual(await auth.authenticate(`Bearer ${await token(ecKey, { sub: 'other' })}`), {
      ok: true,
      principal: 'other',
      source: 'credential',
    });
  });

  it('refuses a token for another audience', async () => {
    const result = failure(
      await auth.authenticate(`Bearer ${await token(key, {}, { aud: 'someone-else' })}`),
    );
    assert.match(result.reason, /"aud" claim/);
  });

  it('refuses a token from another issuer', async () => {
    const result = failure(
      await auth.authenticate(`Bearer ${await token(key, {}, { iss: 'https://evil.test' })}`),
    );
    assert.match(result.reason, /"iss" claim/);
  });

  it('refuses a token expired beyond the 60 s clock tolerance, and accepts one within it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = failure(await auth.authenticate(`Bearer ${await token(key, {}, { exp: now - 120 })}`));
    assert.equal(expired.reason, 'the token has expired');
    assert.equal((await auth.authenticate(`Bearer ${await token(key, {}, { exp: now - 10 })}`)).ok, true);
  });

  it('refuses a token without exp', async () => {
    failure(await auth.authenticate(`Bearer ${await token(key, {}, { exp: null })}`));
  });

  it('refuses a token with a bad signature', async () => {
    const forged = await token(stranger, {}, { kid: 'main' });
    assert.equal(
      failure(await auth.authenticate(`Bearer ${forged}`)).reason,
      "the token's signature is invalid",
    );
    const valid = await token(key);
    const [header, payload] = valid.split('.');
    const otherPayload = Buffer.from(
      JSON.stringify({ sub: 'other', iss: ISSUER, aud: AUDIENCE, exp: 9e9 }),
    ).toString('base64url');
    assert.notEqual(payload, otherPayload);
    const spliced = `${header}.${otherPayload}.${valid.split('.')[2]}`;
    failure(await auth.authenticate(`Bearer ${spliced}`));
  });

  it('refuses a token signed by a key whose kid the JWKS lacks', async () => {
    const result = failure(await auth.authenticate(`Bearer ${await token(stranger)}`));
    assert.equal(result.reason, 'no key of the JWKS matches the token');
  });

  it('refuses an unsecured token (alg none)', async () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsecured = `${encode({ alg: 'none' })}.${encode({ sub: 'ci', iss: ISSUER, aud: AUDIENCE, exp: 9e9 })}.`;
    const result = failure(await auth.authenticate(`Bearer ${unsecured}`));
    assert.equal(result.tokenGiven, true);
  });

  it('refuses an algorithm the rules do not list', async () => {
    const only = rules;
    rules = rulesWith(jwtRules({ jwks_uri: jwksUri }, { algorithms: ['RS256'] }));
    try {
      const result = failure(await auth.authenticate(`Bearer ${await token(ecKey)}`));
      assert.equal(result.reason, "the token's algorithm is not accepted");
    } finally {
      rules = only;
    }
  });

  it('refuses a token whose principal claim names no defined agent', async () => {
    for (const sub of ['nobody', 'not an id', 42]) {
      const result = failure(await auth.authenticate(`Bearer ${await token(key, { sub })}`));
      assert.match(result.reason, /agent/);
    }
  });

  it('reads the principal from agent_claim', async () => {
    rules = rulesWith(jwtRules({ jwks_uri: jwksUri }, { agent_claim: 'agent' }));
    try {
      const signed = await token(key, { sub: 'user-123', agent: 'other' });
      assert.deepEqual(await auth.authenticate(`Bearer ${signed}`), {
        ok: true,
        principal: 'other',
        source: 'credential',
      });
    } finally {
      rules = rulesWith(
        jwtRules(
          { jwks_uri: jwksUri },
          { resource_metadata: 'https://gw.test/.well-known/oauth-protected-resource' },
        ),
      );
    }
  });

  it('advertises resource_metadata and never echoes the token in WWW-Authenticate', async () => {
    const expired = await token(key, {}, { exp: Math.floor(Date.now() / 1000) - 600 });
    const result = failure(await auth.authenticate(`Bearer ${expired}`));
    const header = auth.wwwAuthenticate(result);
    assert.equal(
      header,
      'Bearer realm="agent-mcp-gateway", error="invalid_token", error_description="the token has expired", ' +
        'resource_metadata="https://gw.test/.well-known/oauth-protected-resource"',
    );
    assert.ok(!header.includes(expired) && !JSON.stringify(result).includes(expired));
  });

  it('refuses every token while the JWKS cannot be fetched', async () => {
    const down = createAuthenticator({
      getRules: () => rulesWith(jwtRules({ jwks_uri: 'http://127.0.0.1:9/jwks' })),
    });
    const result = failure(await down.authenticate(`Bearer ${await token(key)}`));
    assert.equal(result.reason, 'the JWKS could not be fetched');
  });
});

describe('authenticator: JWT with jwks_file', () => {
  let dir: string;
  let file: string;
  let first: SigningKey;
  let second: SigningKey;
  let rules: PolicyRules;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gateway-jwks-'));
    file = join(dir, 'jwks.json');
    first = await signingKey('first');
    second = await signingKey('second');
    await writeFile(file, JSON.stringify({ keys: [first.jwk] }));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('verifies against the file, and re-reads it when the rules reload', async () => {
    rules = rulesWith(jwtRules({ jwks_file: file }));
    const auth = createAuthenticator({ getRules: () => rules });
    assert.equal((await auth.authenticate(`Bearer ${await token(first)}`)).ok, true);
    failure(await auth.authenticate(`Bearer ${await token(second)}`));

    await writeFile(file, JSON.stringify({ keys: [second.jwk] }));
    // Same rules version: the file read at first use stays in force.
    failure(await auth.authenticate(`Bearer ${await token(second)}`));
    rules = rulesWith(jwtRules({ jwks_file: file }));
    assert.equal((await auth.authenticate(`Bearer ${await token(second)}`)).ok, true);
    failure(await auth.authenticate(`Bearer ${await token(first)}`));
  });

  it('refuses tokens with a reason for the operator while the file is unreadable', async () => {
    const auth = createAuthenticator({
      getRules: () => rulesWith(jwtRules({ jwks_file: join(dir, 'missing.json') })),
    });
    const result = failure(await auth.authenticate(`Bearer ${await token(first)}`));
    assert.match(result.reason, /cannot read its JWKS file/);
  });

  it('treats a key-shaped credential as an API key even when JWT is configured', async () => {
    const key = generateApiKey();
    const auth = createAuthenticator({
      getRules: () =>
        rulesWith(jwtRules({ jwks_file: file }), { ci: { credentials: { api_keys: [hashApiKey(key)] } } }),
    });
    assert.deepEqual(await auth.authenticate(`Bearer ${key}`), {
      ok: true,
      principal: 'ci',
      source: 'credential',
    });
    assert.equal(
      failure(await auth.authenticate(`Bearer ${generateApiKey()}`)).reason,
      'the API key is not valid',
    );
  });
});

describe('wwwAuthenticateHeader', () => {
  it('escapes quotes and drops control characters in quoted values', () => {
    const header = wwwAuthenticateHeader(
      { ok: false, status: 401, reason: 'a "b"\n\\c', tokenGiven: true },
      undefined,
    );
    assert.equal(
      header,
      'Bearer realm="agent-mcp-gateway", error="invalid_token", error_description="a \\"b\\"\\\\c"',
    );
  });
});
