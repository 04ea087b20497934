import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadClientSdk, loadedClientSdk } from './client-sdk.ts';
import { sessionLoss, toGatewayError } from './errors.ts';

const isSessionNotFound = (error: unknown) => sessionLoss(error, 'http')?.kind === 'forgotten';

// One process per test file: this module state is what a fresh gateway has.
describe('the lazily loaded client SDK', () => {
  it('is not loaded by importing the modules that classify its errors', () => {
    assert.equal(loadedClientSdk(), undefined);
  });

  it('maps a failure to SERVER_UNAVAILABLE with its message while no session has loaded the SDK', () => {
    const error = toGatewayError(new Error('spawn ENOENT'), { server: 'fs' });
    assert.equal(error.code, 'SERVER_UNAVAILABLE');
    assert.match(error.message, /server "fs" is unavailable: spawn ENOENT/);
    assert.equal(isSessionNotFound(new Error('404')), false);
    assert.equal(loadedClientSdk(), undefined);
  });

  it('loads once for concurrent callers, and is then available synchronously', async () => {
    const [first, second] = await Promise.all([loadClientSdk(), loadClientSdk()]);
    assert.equal(first, second);
    assert.equal(loadedClientSdk(), first);
    assert.equal(first, await import('@modelcontextprotocol/client'));
  });

  it("maps the SDK's errors once loaded: a JSON-RPC error keeps its code, a timeout is TIMEOUT", async () => {
    const sdk = await loadClientSdk();
    const rpc = toGatewayError(new sdk.ProtocolError(-32042, 'no such row'), { server: 'db', tool: 'q' });
    assert.equal(rpc.code, 'DOWNSTREAM_ERROR');
    assert.equal(rpc.details.data?.downstream_code, -32042);
    const timeout = toGatewayError(new sdk.SdkError(sdk.SdkErrorCode.RequestTimeout, 'timed out'), {
      server: 'db',
      timeoutMs: 50,
    });
    assert.equal(timeout.code, 'TIMEOUT');
    assert.match(timeout.message, /within 50 ms/);
    assert.equal(
      isSessionNotFound(
        new sdk.SdkHttpError(sdk.SdkErrorCode.ClientHttpNotImplemented, 'Session not found', { status: 404 }),
      ),
      true,
    );
  });
});
