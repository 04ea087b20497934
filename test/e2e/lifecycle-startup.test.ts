/**
 * SPEC §12 start-up through the built gateway: servers that cannot start fail fast with
 * SERVER_UNAVAILABLE and the reason while the others work, and concurrent first callers share
 * one connect.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  descendantPids,
  errorOf,
  fixtureServer,
  startGateway,
  structured,
  type RunningGateway,
} from './harness.ts';

describe('servers that cannot start (SPEC §12)', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startGateway({
      servers: {
        missing: { command: '/nonexistent/bin' },
        crashing: fixtureServer('failing'),
        healthy: fixtureServer('multi-tool'),
      },
    });
  });
  after(() => gateway.close());

  it('reports a missing command as SERVER_UNAVAILABLE with the reason while another server works', async () => {
    const [missing, healthy] = await Promise.all([
      gateway.call('execute_tool', { server: 'missing', tool: 'echo', args: { text: 'x' } }),
      gateway.call('execute_tool', { server: 'healthy', tool: 'echo', args: { text: 'still here' } }),
    ]);
    const error = errorOf(missing);
    assert.equal(error.code, 'SERVER_UNAVAILABLE');
    assert.match(error.message, /\/nonexistent\/bin/);
    assert.match(error.message, /ENOENT|not found|no such file/i);
    assert.deepEqual(healthy.content, [{ type: 'text', text: 'still here' }]);
  });

  it('reports a server that exits at start with its stderr line', async () => {
    const error = errorOf(await gateway.call('get_server_tools', { server: 'crashing' }));
    assert.equal(error.code, 'SERVER_UNAVAILABLE');
    assert.match(error.message, /fatal: cannot open database/);
    assert.ok(!error.message.includes('\n    at '), error.message);
  });

  it('keeps failing fast for the broken servers and serving the healthy one on later calls', async () => {
    const started = Date.now();
    const again = await gateway.call('execute_tool', { server: 'crashing', tool: 'ok' });
    assert.equal(errorOf(again).code, 'SERVER_UNAVAILABLE');
    assert.ok(Date.now() - started < 10_000);
    const healthy = await gateway.call('execute_tool', {
      server: 'healthy',
      tool: 'add',
      args: { a: 2, b: 3 },
    });
    assert.equal(healthy.isError, undefined, JSON.stringify(healthy));
  });
});

describe('concurrent first callers (SPEC §12)', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startGateway({ servers: { cold: fixtureServer('multi-tool') } });
  });
  after(() => gateway.close());

  it('share one connect: ten parallel calls to a cold server reach one process', async () => {
    assert.deepEqual(await descendantPids(gateway.pid), [], 'the server must start cold');
    const results = await Promise.all(
      Array.from({ length: 10 }, () => gateway.call('execute_tool', { server: 'cold', tool: 'pid' })),
    );
    const pids = new Set(results.map((result) => structured<{ pid: number }>(result).pid));
    assert.equal(pids.size, 1, `calls reached ${[...pids].join(', ')}`);
    const children = await descendantPids(gateway.pid);
    assert.deepEqual(children, [...pids]);
  });
});
