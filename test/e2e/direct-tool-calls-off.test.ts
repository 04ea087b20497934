/**
 * Differential: the execute_tool and stdio supervision suites again with
 * GATEWAY_DIRECT_TOOL_CALLS=off, so every tools/call takes the SDK's protocol layer on both sides
 * of the gateway (the path every 2026-07-28 session and every remote server takes). The same
 * assertions hold on both paths; the first test proves the switch really reached both sides.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixtureServer, spawnedGateways, structured, type RunningGateway } from './harness.ts';
import { executeSuite } from './suites/execute-suite.ts';
import { supervisesCrashes, supervisesStartup } from './suites/supervision-suite.ts';

const sdkPath = spawnedGateways({ env: { GATEWAY_DIRECT_TOOL_CALLS: 'off' } });
const LABEL = ' (GATEWAY_DIRECT_TOOL_CALLS=off)';

describe(`the switch${LABEL}`, () => {
  const server = { ids: fixtureServer('multi-tool', ['--request-id-tool']) };
  let direct: RunningGateway;
  let sdk: RunningGateway;

  before(async () => {
    [direct, sdk] = await Promise.all([
      spawnedGateways({})({ servers: server }),
      sdkPath({ servers: server }),
    ]);
  });
  after(() => Promise.all([direct?.close(), sdk?.close()]));

  const requestId = async (gateway: RunningGateway): Promise<unknown> => {
    const result = await gateway.call('execute_tool', { server: 'ids', tool: 'request_id' });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    return structured<{ id: unknown }>(result).id;
  };

  it('sends downstream tools/call through the SDK client, which numbers its requests', async () => {
    // The direct path names its requests `gw-N`: seeing them here would mean the switch was ignored.
    assert.match(String(await requestId(direct)), /^gw-\d+$/);
    assert.equal(typeof (await requestId(sdk)), 'number');
  });
});

executeSuite(sdkPath, `gateway execute_tool${LABEL}`);
supervisesCrashes(sdkPath, LABEL);
supervisesStartup(sdkPath, LABEL);
