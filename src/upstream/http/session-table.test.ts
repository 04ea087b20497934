import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SessionTable, type HttpSession } from './session-table.ts';

function session(id: string, principal: string | null, closed: string[]): HttpSession {
  return { id, principal, close: () => Promise.resolve(void closed.push(id)) };
}

describe('SessionTable (SPEC §14)', () => {
  it('closes sessions idle past the limit, but never one with a request in progress', async () => {
    let now = 0;
    const closed: string[] = [];
    const table = new SessionTable({ idleMs: 100, maxPerPrincipal: 64, sweepMs: 60_000, now: () => now });
    table.add(session('a', null, closed));
    table.add(session('b', null, closed));
    const end = table.begin('b');
    now = 150;
    table.sweep();
    assert.deepEqual(closed, ['a']);
    assert.equal(table.get('a'), undefined);
    end();
    now = 200;
    table.sweep();
    assert.deepEqual(closed, ['a'], 'b was active 50 ms ago');
    now = 301;
    table.sweep();
    assert.deepEqual(closed, ['a', 'b']);
    await table.close();
  });

  it("makes room at a principal's cap by closing its longest-idle session, leaving others' alone", async () => {
    let now = 0;
    const closed: string[] = [];
    const table = new SessionTable({ idleMs: 10_000, maxPerPrincipal: 2, sweepMs: 60_000, now: () => now });
    table.add(session('a1', 'alpha', closed));
    now = 1;
    table.add(session('a2', 'alpha', closed));
    table.add(session('b1', 'beta', closed));
    now = 2;
    table.begin('a1')();
    now = 3;
    table.add(session('a3', 'alpha', closed));
    assert.deepEqual(closed, ['a2'], 'a1 was used more recently');
    assert.equal(table.size, 3);
    await table.close();
    assert.deepEqual(closed.sort(), ['a1', 'a2', 'a3', 'b1']);
  });

  it('does not cap sessions that have no principal (no credentials configured)', async () => {
    const closed: string[] = [];
    const table = new SessionTable({ idleMs: 10_000, maxPerPrincipal: 2, sweepMs: 60_000 });
    for (const id of ['x', 'y', 'z']) table.add(session(id, null, closed));
    assert.equal(table.size, 3);
    assert.deepEqual(closed, []);
    await table.close();
  });
});
