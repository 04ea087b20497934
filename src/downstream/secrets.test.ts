import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RemoteServerConfig, StdioServerConfig } from '../config/types.ts';
import { remoteTarget } from './session/remote-target.ts';
import { secretScrubber } from './secrets.ts';

const remote = (url: string, headers: Record<string, string> = {}): RemoteServerConfig => ({
  name: 'r',
  transport: 'http',
  url,
  headers,
  timeoutMs: 1000,
});

describe('secretScrubber', () => {
  it('shows a remote URL without credentials and masks its userinfo, query and header values', () => {
    const url = 'https://user:s3cret@example.test:8443/mcp?token=abcdef';
    const scrub = secretScrubber(remote(url, { 'X-Api-Key': 'key-12345' }));
    assert.equal(
      scrub(`fetch ${url} failed; token abcdef, password s3cret, key key-12345`),
      'fetch https://example.test:8443/mcp failed; token ***, password ***, key ***',
    );
  });

  it('masks the env values of a stdio server, but not values too short to be secrets', () => {
    const config: StdioServerConfig = {
      name: 's',
      transport: 'stdio',
      command: 'x',
      args: [],
      env: { API_KEY: 'sk-live-123456', DEBUG: '1' },
      timeoutMs: 1000,
    };
    assert.equal(secretScrubber(config)('key sk-live-123456 debug 1'), 'key *** debug 1');
  });
});

describe('remoteTarget', () => {
  it('moves URL credentials into a Basic Authorization header', () => {
    const { url, headers } = remoteTarget(remote('http://us%40er:p%3Ass@127.0.0.1:9000/mcp?x=1', { A: 'b' }));
    assert.equal(url.href, 'http://127.0.0.1:9000/mcp?x=1');
    assert.deepEqual(headers, {
      A: 'b',
      Authorization: `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`,
    });
  });

  it('keeps a configured Authorization header and still drops the URL credentials', () => {
    const { url, headers } = remoteTarget(remote('http://u:p@h.test/mcp', { authorization: 'Bearer t' }));
    assert.equal(url.href, 'http://h.test/mcp');
    assert.deepEqual(headers, { authorization: 'Bearer t' });
  });
});
