/** SPEC §13 and §15 fields of the rules file: credentials, act_as, limits and auth.jwt. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRules } from '../policy/types.ts';
import { parseRulesConfig } from './load-rules.ts';
import type { ConfigIssue, LoadResult } from './types.ts';

const FILE = '/cfg/.mcp-gateway-rules.json';
const HASH_A = `sha256:${'a'.repeat(64)}`;
const HASH_B = `sha256:${'b'.repeat(64)}`;
const JWT = { issuer: 'https://idp.example', audience: 'gateway', jwks_uri: 'https://idp.example/jwks' };

function parse(rules: unknown): LoadResult<PolicyRules> {
  return parseRulesConfig(JSON.stringify(rules), FILE);
}

function errors(result: LoadResult<PolicyRules>): string[] {
  assert.equal(result.ok, false, 'expected the rules to be rejected');
  return (result.ok ? [] : result.errors).map((issue: ConfigIssue) => `${issue.path}: ${issue.message}`);
}

describe('rules file: principals, limits and JWT auth', () => {
  it('carries credentials, act_as and limits into PolicyRules', () => {
    const result = parse({
      agents: {
        ci: {
          credentials: { api_keys: [HASH_A] },
          act_as: ['ci.*'],
          limits: { calls_per_minute: 60, burst: 10, max_concurrent: 4 },
        },
      },
    });
    assert.ok(result.ok);
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(result.value.agents.ci, {
      credentials: { api_keys: [HASH_A] },
      act_as: ['ci.*'],
      limits: { calls_per_minute: 60, burst: 10, max_concurrent: 4 },
    });
    assert.equal(result.value.auth, undefined);
  });

  it('fills the JWT defaults and resolves jwks_file against the rules file folder', () => {
    const result = parse({
      agents: {},
      auth: { jwt: { issuer: 'https://idp.example', audience: ['a', 'b'], jwks_file: 'keys/jwks.json' } },
    });
    assert.ok(result.ok);
    assert.deepEqual(result.value.auth, {
      jwt: {
        issuer: 'https://idp.example',
        audience: ['a', 'b'],
        jwks_file: '/cfg/keys/jwks.json',
        agent_claim: 'sub',
        algorithms: ['RS256', 'ES256'],
      },
    });
  });

  it('rejects a key that is not a sha256 hash without echoing it', () => {
    const messages = errors(parse({ agents: { ci: { credentials: { api_keys: ['amg_secretkey'] } } } }));
    assert.equal(messages.length, 1);
    assert.match(messages[0]!, /^agents\.ci\.credentials\.api_keys\[0\]: expected "sha256:"/);
    assert.ok(!messages[0]!.includes('amg_secretkey'));
  });

  it('rejects upper-case hex so that one key has exactly one spelling', () => {
    const messages = errors(parse({ agents: { ci: { credentials: { api_keys: [HASH_A.toUpperCase()] } } } }));
    assert.equal(messages.length, 1);
  });

  it('rejects a key hash listed under two agents as an ambiguous principal', () => {
    const messages = errors(
      parse({
        agents: {
          one: { credentials: { api_keys: [HASH_A] } },
          two: { credentials: { api_keys: [HASH_B, HASH_A] } },
        },
      }),
    );
    assert.deepEqual(messages, [
      'agents.two.credentials.api_keys[1]: this key is already listed under agent "one": a key must name one principal',
    ]);
  });

  it('rejects limits that are not positive integers, and burst without calls_per_minute', () => {
    const messages = errors(
      parse({
        agents: {
          a: { limits: { calls_per_minute: 0 } },
          b: { limits: { max_concurrent: 1.5 } },
          c: { limits: { burst: 5 } },
        },
      }),
    );
    assert.equal(messages.length, 3, messages.join('\n'));
    assert.match(messages[0]!, /^agents\.a\.limits\.calls_per_minute: /);
    assert.match(messages[1]!, /^agents\.b\.limits\.max_concurrent: /);
    assert.match(messages[2]!, /^agents\.c\.limits\.burst: burst is extra capacity/);
  });

  it('needs exactly one of jwks_uri and jwks_file', () => {
    const both = errors(parse({ auth: { jwt: { ...JWT, jwks_file: 'jwks.json' } } }));
    assert.deepEqual(both, ['auth.jwt: set exactly one of "jwks_uri" and "jwks_file"']);
    const { jwks_uri: _unused, ...neither } = JWT;
    assert.deepEqual(errors(parse({ auth: { jwt: neither } })), both);
  });

  it('refuses symmetric and "none" algorithms', () => {
    for (const algorithm of ['HS256', 'none']) {
      const messages = errors(parse({ auth: { jwt: { ...JWT, algorithms: [algorithm] } } }));
      assert.equal(messages.length, 1);
      assert.match(messages[0]!, /^auth\.jwt\.algorithms\[0\]: /);
    }
  });

  it('names the missing issuer and a malformed jwks_uri by their JSON paths', () => {
    const messages = errors(parse({ auth: { jwt: { audience: 'gateway', jwks_uri: 'not a url' } } }));
    assert.deepEqual(
      messages.map((line) => line.split(':')[0]),
      ['auth.jwt.issuer', 'auth.jwt.jwks_uri'],
    );
  });

  it('warns about an unknown key inside auth.jwt rather than failing', () => {
    const result = parse({ agents: { a: {} }, auth: { jwt: { ...JWT, leeway: 5 } } });
    assert.ok(result.ok);
    assert.deepEqual(
      result.warnings.map((issue) => issue.path),
      ['auth.jwt.leeway'],
    );
  });
});
