import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { loaderFlags, TokenCounter } from './token-counter.ts';
import { isAlive } from '../../test/support/processes.ts';

const EXIT_ON_DEMAND = fileURLToPath(
  new URL('../../test/fixtures/tokenizers/exit-on-demand.mjs', import.meta.url),
);
const HOST = fileURLToPath(new URL('../../test/fixtures/token-counter-host.ts', import.meta.url));

/** Polls until `check` holds; the limit only turns a hang into a failure. */
async function eventually(what: string, check: () => boolean, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('TokenCounter', () => {
  const counters: TokenCounter[] = [];
  const counter = (options?: ConstructorParameters<typeof TokenCounter>[0]) => {
    const created = new TokenCounter(options);
    counters.push(created);
    return created;
  };
  after(() => Promise.all(counters.map((created) => created.close())));

  it('counts each text with the o200k tokenizer, in order, as gpt-tokenizer does in process', async () => {
    const texts = [
      'hello world',
      JSON.stringify({ name: 'echo', description: 'Echoes text', inputSchema: { type: 'object' } }),
      '',
      'hello world',
    ];
    assert.deepEqual(
      await counter().count(texts),
      texts.map((text) => countTokens(text)),
    );
  });

  it('stops its process once idle and starts another for the next new text', async () => {
    const idle = counter({ idleMs: 0 });
    assert.deepEqual(await idle.count(['one two']), [countTokens('one two')]);
    const first = idle.pid;
    assert.ok(first !== undefined);
    await eventually('the idle process exits', () => !idle.running && !isAlive(first));
    assert.deepEqual(await idle.count(['three']), [countTokens('three')]);
    assert.notEqual(idle.pid, first);
  });

  it('starts its process ahead when prepared, and stops an unused one once idle', async () => {
    const prepared = counter({ idleMs: 0 });
    prepared.prepare();
    const pid = prepared.pid;
    assert.ok(pid !== undefined);
    await eventually('the unused process exits', () => !prepared.running && !isAlive(pid));
    prepared.prepare();
    assert.deepEqual(await prepared.count(['after prepare']), [countTokens('after prepare')]);
  });

  it('answers texts it has counted from memory, without a process', async () => {
    const idle = counter({ idleMs: 0 });
    await idle.count(['remembered text']);
    await eventually('the idle process exits', () => !idle.running);
    assert.deepEqual(await idle.count(['remembered text']), [countTokens('remembered text')]);
    assert.equal(idle.running, false);
  });

  it('rejects with the reason when the tokenizer cannot be loaded, each time it is asked', async () => {
    const broken = counter({ tokenizerModule: 'no-such-tokenizer-package' });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await assert.rejects(
        broken.count(['x']),
        /cannot count tokens: cannot load the tokenizer: .*no-such-tokenizer-package/,
      );
    }
  });

  it('rejects what waits when its process dies, and counts again with a new process', async () => {
    const fragile = counter({ tokenizerModule: EXIT_ON_DEMAND });
    await assert.rejects(fragile.count(['__exit__']), /the token counter process exited with code 3/);
    assert.deepEqual(await fragile.count(['abcd']), [4]);
  });

  it('stops its process on close, refuses to count afterwards, and closes twice without error', async () => {
    const closing = counter();
    await closing.count(['x']);
    const pid = closing.pid;
    assert.ok(pid !== undefined);
    await closing.close();
    await closing.close();
    assert.equal(isAlive(pid), false);
    await assert.rejects(closing.count(['y']), /shutting down/);
  });

  it('rejects a count whose caller gave up', async () => {
    const controller = new AbortController();
    controller.abort(new Error('caller gone'));
    await assert.rejects(counter().count(['z'], controller.signal), /caller gone/);
  });

  it('does not keep its owner alive while idle', async () => {
    const host = spawn(process.execPath, [...loaderFlags(process.execArgv), HOST, '--return'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [code] = (await once(host, 'exit')) as [number | null];
    assert.equal(code, 0);
  });

  it('leaves no process behind when its owner is killed', async () => {
    const host = spawn(process.execPath, [...loaderFlags(process.execArgv), HOST], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(host.stdout, 'data')) as [Buffer];
    const pid = Number(line.toString().trim());
    assert.ok(isAlive(pid), 'the counter process runs while its owner does');
    host.kill('SIGKILL');
    await eventually('the counter process exits with its owner', () => !isAlive(pid));
  });
});

describe('loaderFlags', () => {
  it('keeps module loader flags and drops the rest', () => {
    assert.deepEqual(
      loaderFlags([
        '--import',
        'tsx',
        '--cpu-prof',
        '--inspect=9229',
        '--require=./a.cjs',
        '-r',
        'b',
        '--loader',
        'c',
      ]),
      ['--import', 'tsx', '--require=./a.cjs', '-r', 'b', '--loader', 'c'],
    );
  });
});
