/**
 * The discovery, execute_tool and identity/policy suites against the gateway composed in this
 * process (test/support/in-process-gateway.ts): no build, no CLI, the SDK client over an
 * in-memory transport, real downstream servers. The same suites run on the built CLI in test/e2e.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { descendantPids, fixtureServer } from '../e2e/harness.ts';
import { assertExits } from '../e2e/live-helpers.ts';
import { startInProcessGateway } from '../support/in-process-gateway.ts';
import { discoverySuite } from '../e2e/suites/discovery-suite.ts';
import { executeSuite } from '../e2e/suites/execute-suite.ts';
import { policyIdentitySuite } from '../e2e/suites/policy-identity-suite.ts';

const LABEL = ' (in-process)';

discoverySuite(startInProcessGateway, LABEL);
executeSuite(startInProcessGateway, `gateway execute_tool${LABEL}`);
policyIdentitySuite(startInProcessGateway, LABEL);

describe('the in-process gateway', () => {
  it('leaves no downstream process behind once closed', async () => {
    const gateway = await startInProcessGateway({ servers: { multi: fixtureServer('multi-tool') } });
    let pids: number[];
    try {
      const result = await gateway.call('execute_tool', { server: 'multi', tool: 'pid' });
      const { pid } = result.structuredContent as { pid: number };
      assert.ok((await descendantPids(process.pid)).includes(pid), 'the server is a child of this process');
      // This gateway's processes only: the other suites of this file share the test process.
      pids = [pid, ...(await descendantPids(pid))];
    } finally {
      await gateway.close();
    }
    // Stopping a child takes up to ~3 s (stdin end, SIGTERM, SIGKILL); a loaded CI machine gets more.
    for (const pid of pids) await assertExits(pid, 'a downstream server', 15_000);
  });
});
