import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseServersConfig } from './load-servers.ts';

const FILE = '/cfg/.mcp.json';

function parse(headers: Record<string, string>, env: Record<string, string> = {}) {
  const config = { mcpServers: { api: { url: 'https://api.test/mcp', headers } } };
  return parseServersConfig(JSON.stringify(config), FILE, env);
}

describe('parseServersConfig and header names and values fetch would refuse', () => {
  it('accepts ordinary headers, Latin-1 values and surrounding spaces', () => {
    const result = parse({ Authorization: 'Bearer t', 'X-Team': ' platform ', 'X-Name': 'Zoë' });
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  });

  it('rejects a header name with a space or a colon, naming its JSON path', () => {
    const result = parse({ 'X Api Key': 'k', 'X-Key:': 'k' });
    assert.ok(!result.ok);
    assert.deepEqual(
      result.errors.map((issue) => [issue.code, issue.path]),
      [
        ['invalid_header', 'mcpServers.api.headers["X Api Key"]'],
        ['invalid_header', 'mcpServers.api.headers["X-Key:"]'],
      ],
    );
    assert.match(result.errors[0]?.message ?? '', /server "api" has an invalid header name "X Api Key"/);
  });

  it('rejects a value with a line break from a ${VAR} without quoting the value', () => {
    const result = parse({ Authorization: 'Bearer ${TOKEN}' }, { TOKEN: 'sec\nret' });
    assert.ok(!result.ok);
    assert.deepEqual(
      result.errors.map((issue) => [issue.code, issue.path]),
      [['invalid_header', 'mcpServers.api.headers.Authorization']],
    );
    assert.ok(!JSON.stringify(result.errors).includes('sec'), 'the value is a secret');
  });

  it('rejects a value with a character beyond U+00FF', () => {
    const result = parse({ 'X-Price': '10 €' });
    assert.ok(!result.ok);
    assert.equal(result.errors[0]?.code, 'invalid_header');
  });
});
