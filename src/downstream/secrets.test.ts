import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RemoteServerConfig, StdioServerConfig } from '../config/types.ts';
import { remoteTarget } from './session/remote-target.ts';
import { createSecretScrubber } from './secrets.ts';

const secretScrubber = (config: Parameters<typeof createSecretScrubber>[0]) => {
  const scrubber = createSecretScrubber(config);
  return (text: string) => scrubber.scrub(text);
};

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

describe('createSecretScrubber', () => {
  it('masks the Basic credentials built from URL userinfo, with and without the scheme', () => {
    const config = remote('http://bob:hunter22@127.0.0.1:9000/mcp');
    const { headers } = remoteTarget(config);
    const basic = headers.Authorization ?? '';
    const base64 = basic.slice('Basic '.length);
    const { scrub } = createSecretScrubber(config);
    assert.equal(scrub(`sent ${basic}; token ${base64}`), 'sent ***; token ***');
  });

  it('masks a bearer token with and without its scheme, but a plain header value only whole', () => {
    const { scrub } = createSecretScrubber(
      remote('http://h.test/mcp', { Authorization: 'Bearer tok-123456', 'X-Custom': 'custom value' }),
    );
    assert.equal(scrub('Bearer tok-123456 / tok-123456'), '*** / ***');
    assert.equal(scrub('a custom value, a value'), 'a ***, a value');
  });

  it('learns secrets at run time, such as a refreshed access token', () => {
    const scrubber = createSecretScrubber(remote('http://h.test/mcp'));
    assert.equal(scrubber.scrub('token at-98765'), 'token at-98765');
    scrubber.add('at-98765');
    scrubber.add('ab');
    assert.equal(scrubber.scrub('token at-98765, ab'), 'token ***, ab');
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
