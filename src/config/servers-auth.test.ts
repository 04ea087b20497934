import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseServersConfig } from './load-servers.ts';

const FILE = '/cfg/.mcp.json';
const parse = (servers: unknown, env: Record<string, string | undefined> = {}) =>
  parseServersConfig(JSON.stringify({ mcpServers: servers }), FILE, env);

describe('the auth field of a remote server (SPEC §16)', () => {
  it('normalises oauth, client_credentials and none to camelCase, with ${VAR} substituted', () => {
    const result = parse(
      {
        o: {
          url: 'https://a.test/mcp',
          auth: {
            type: 'oauth',
            scopes: ['read'],
            client_id: 'id',
            client_secret: '${SECRET}',
            resource: 'https://r',
          },
        },
        c: {
          url: 'https://b.test/mcp',
          auth: { type: 'client_credentials', client_id: 'm', client_secret: 's' },
        },
        n: { url: 'https://c.test/mcp', auth: { type: 'none' } },
        absent: { url: 'https://d.test/mcp' },
      },
      { SECRET: 'from-env' },
    );
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    const auth = Object.fromEntries(
      result.value.servers.map((server) => [server.name, server.transport === 'stdio' ? null : server.auth]),
    );
    assert.deepEqual(auth.o, {
      type: 'oauth',
      scopes: ['read'],
      clientId: 'id',
      clientSecret: 'from-env',
      resource: 'https://r',
    });
    assert.deepEqual(auth.c, { type: 'client_credentials', clientId: 'm', clientSecret: 's' });
    assert.deepEqual(auth.n, { type: 'none' });
    assert.equal(auth.absent, undefined);
  });

  it('rejects client_credentials without a secret and an unknown type, naming the JSON path', () => {
    const result = parse({
      c: { url: 'https://b.test/mcp', auth: { type: 'client_credentials', client_id: 'm' } },
      x: { url: 'https://b.test/mcp', auth: { type: 'magic' } },
    });
    assert.ok(!result.ok);
    const paths = result.errors.map((issue) => issue.path);
    assert.ok(paths.includes('mcpServers.c.auth.client_secret'), paths.join(', '));
    assert.ok(paths.includes('mcpServers.x.auth.type'), paths.join(', '));
  });

  it('warns that auth is ignored on a stdio server', () => {
    const result = parse({ local: { command: 'echo', auth: { type: 'none' } } });
    assert.ok(result.ok);
    assert.ok(result.warnings.some((issue) => issue.path === 'mcpServers.local.auth'));
  });
});
