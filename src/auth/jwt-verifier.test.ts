/** SPEC §13 JWTs through the authenticator, with the JWKS served over real HTTP on loopback (`jwks_uri`). */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PolicyRules } from '../policy/types.ts';
import {
  AUDIENCE,
  ISSUER,
  failure,
  jwtRules,
  rulesWith,
  signingKey,
  token,
  type SigningKey,
} from '../../test/support/jwt.ts';
import { captureLogger } from '../../test/support/capture-logger.ts';
import { createAuthenticator } from './authenticator.ts';

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

  it('refuses every token while the JWKS cannot be fetched, and logs why once, without the token', async () => {
    const { logger, lines, text } = captureLogger();
    const unreachable = rulesWith(jwtRules({ jwks_uri: 'http://127.0.0.1:9/jwks' }));
    const down = createAuthenticator({ getRules: () => unreachable, logger });
    const signed = await token(key);
    const result = failure(await down.authenticate(`Bearer ${signed}`));
    assert.equal(result.reason, 'the JWKS could not be fetched');
    failure(await down.authenticate(`Bearer ${signed}`));
    assert.deepEqual(
      lines().map((line) => line.msg),
      ['cannot fetch the JWKS of auth.jwt'],
    );
    for (const part of signed.split('.')) assert.ok(!text().includes(part), 'a part of the token was logged');
  });
});
