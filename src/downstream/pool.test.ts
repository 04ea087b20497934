import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { ServerConfig } from '../config/types.ts';
import { DownstreamPool } from './pool.ts';

function server(name: string, extra: Partial<ServerConfig> = {}): ServerConfig {
  return {
    name,
    transport: 'stdio',
    command: 'unused-command',
    args: [],
    env: {},
    timeoutMs: 1000,
    ...extra,
  } as ServerConfig;
}

describe('DownstreamPool.apply', () => {
  const pool = new DownstreamPool([server('same'), server('settings'), server('args'), server('gone')], {
    logger: pino({ level: 'silent' }),
    clientVersion: 'test',
    parentEnv: {},
  });
  after(() => pool.close());

  it('keeps the session for unchanged servers and settings-only changes, and replaces the others', () => {
    const before = new Map(pool.all().map((connection) => [connection.name, connection]));
    const change = pool.apply([
      server('same'),
      server('settings', { description: 'new', timeoutMs: 5, maxOutputChars: 10, connectTimeoutMs: 50 }),
      server('args', { args: ['--other'] }),
      server('added'),
    ]);
    assert.deepEqual(change, {
      added: ['added'],
      removed: ['gone'],
      changed: ['args'],
      updated: ['settings'],
      unchanged: ['same'],
    });
    assert.equal(pool.get('same'), before.get('same'));
    assert.equal(pool.get('settings'), before.get('settings'));
    assert.equal(pool.get('settings')?.config.description, 'new');
    assert.equal(pool.get('settings')?.config.maxOutputChars, 10);
    assert.notEqual(pool.get('args'), before.get('args'));
    assert.equal(pool.get('gone'), undefined);
    assert.deepEqual(
      pool.all().map((connection) => connection.name),
      ['same', 'settings', 'args', 'added'],
    );
  });
});

describe('DownstreamPool.onToolsChanged', () => {
  it('names the servers that apply() adds, removes or replaces, and not the others', async () => {
    const pool = new DownstreamPool([server('kept'), server('replaced'), server('removed')], {
      logger: pino({ level: 'silent' }),
      clientVersion: 'test',
      parentEnv: {},
    });
    const changed: string[] = [];
    const unsubscribe = pool.onToolsChanged((name) => changed.push(name));
    pool.apply([
      server('kept', { description: 'only a description' }),
      server('replaced', { args: ['--new'] }),
      server('added'),
    ]);
    assert.deepEqual(changed.sort(), ['added', 'removed', 'replaced']);
    unsubscribe();
    pool.apply([server('kept')]);
    assert.deepEqual(changed.sort(), ['added', 'removed', 'replaced'], 'no call after unsubscribing');
    await pool.close();
  });
});
