/** SPEC §13 credentials: real API keys, and JWTs checked against a JWKS file (`jwks_file`). */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PolicyRules } from '../policy/types.ts';
import { failure, jwtRules, rulesWith, signingKey, token, type SigningKey } from '../../test/support/jwt.ts';
import { generateApiKey, hashApiKey } from './api-key.ts';
import { createAuthenticator, wwwAuthenticateHeader } from './authenticator.ts';
import { credentialsConfigured } from './credentials-configured.ts';

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
