import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkHost, checkOrigin, isLoopbackHost } from './guards.ts';

describe('HTTP guards (SPEC §14)', () => {
  it('counts localhost names and the 127/8 and ::1 addresses as loopback, nothing else', () => {
    for (const host of [
      'localhost',
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '[::1]',
      'app.localhost',
      'LOCALHOST',
    ]) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of [
      '0.0.0.0',
      '::',
      '192.168.1.2',
      'example.com',
      'localhost.example.com',
      '127.0.0.1.nip.io',
    ]) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });

  it('lets a request without Origin through and allows only listed origins, exactly', () => {
    const allowed = new Set(['http://localhost:5173']);
    assert.equal(checkOrigin(undefined, allowed), undefined);
    assert.equal(checkOrigin('http://localhost:5173', allowed), undefined);
    assert.equal(checkOrigin('http://localhost:5174', allowed)?.status, 403);
    assert.equal(checkOrigin('https://localhost:5173', allowed)?.status, 403);
    assert.equal(checkOrigin('null', allowed)?.status, 403);
    assert.equal(checkOrigin('not a url', allowed)?.status, 403);
  });

  it('checks Host only on a loopback bind, with or without a port', () => {
    assert.equal(checkHost('localhost:8931', true), undefined);
    assert.equal(checkHost('[::1]:8931', true), undefined);
    assert.equal(checkHost('127.0.0.1', true), undefined);
    assert.equal(checkHost('evil.example:8931', true)?.status, 403);
    assert.equal(checkHost(undefined, true)?.status, 403);
    assert.equal(checkHost('gateway.internal:8931', false), undefined);
  });
});
