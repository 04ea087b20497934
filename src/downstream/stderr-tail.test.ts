import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StderrTail } from './stderr-tail.ts';

/** What Node 20 writes when the script of a server does not exist. */
const MODULE_NOT_FOUND = `node:internal/modules/cjs/loader:1228
  throw err;
  ^

Error: Cannot find module '/srv/missing/index.js'
    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)
    at Module._load (node:internal/modules/cjs/loader:1051:27)
    at node:internal/main/run_main_module:28:49 {
  code: 'MODULE_NOT_FOUND',
  requireStack: []
}

Node.js v20.20.2
`;

describe('StderrTail', () => {
  it('keeps the error line of a Node server that cannot start, not only its last lines', () => {
    const tail = new StderrTail();
    tail.append(MODULE_NOT_FOUND);
    const summary = tail.summary();
    assert.match(summary, /^Error: Cannot find module '\/srv\/missing\/index\.js'/);
    assert.match(summary, /Node\.js v20/);
    assert.doesNotMatch(summary, /Module\._load/, 'stack frames are not the reason');
  });

  it('keeps the first lines and the last ones of a long output, within its bound', () => {
    const tail = new StderrTail(200);
    tail.append('fatal: config missing\n');
    for (let index = 0; index < 1000; index += 1) tail.append(`request ${index} served\n`);
    const summary = tail.summary();
    assert.match(summary, /^fatal: config missing \| .*request 999 served$/);
    assert.ok(summary.length < 300);
  });

  it('shows the last lines when none says error', () => {
    const tail = new StderrTail();
    tail.append('one\ntwo\nthree\nfour\nfive\n');
    assert.equal(tail.summary(), 'two | three | four | five');
  });
});
