import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl } from './redact-url.ts';

describe('redactUrl', () => {
  it('keeps scheme, host, port and path only', () => {
    assert.equal(
      redactUrl('https://user:s3cret@api.test:8443/v1/mcp?key=s3cret#frag'),
      'https://api.test:8443/v1/mcp',
    );
  });

  it('omits a default port and keeps the root path', () => {
    assert.equal(redactUrl('http://localhost:80?token=x'), 'http://localhost/');
  });

  it('shows nothing of an unparsable URL', () => {
    assert.equal(redactUrl('not a url with s3cret'), '<invalid URL>');
  });
});
