import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { computeContextReport, formatContextReport, formatContextReportJson } from './context-report.ts';
import { gatewayToolDefinitions } from '../gateway/tool-definitions.ts';
import { snapshotServers } from '../../test/search/labelled-set.ts';

const servers = snapshotServers().map((server) => ({ name: server.name, tools: server.tools }));
const gatewayTools = gatewayToolDefinitions(false);
const tokensOf = (tools: readonly object[]) =>
  tools.reduce((sum, tool) => sum + countTokens(JSON.stringify(tool)), 0);

// researcher: memory without delete_*, and filesystem; builder: everything; nobody: nothing.
const mayCall = (agent: string, server: string, tool: string) =>
  agent === 'builder' ||
  (agent === 'researcher' &&
    ((server === 'memory' && !tool.startsWith('delete_')) || server === 'filesystem'));

describe('the context report', () => {
  const report = computeContextReport({
    servers: [...servers, { name: 'remote', unavailable: 'connect timeout after 5000 ms' }],
    agents: ['researcher', 'builder', 'nobody'],
    mayCall,
    gatewayTools,
    countTokens,
  });
  const byAgent = (agent: string) => report.agents.find((entry) => entry.agent === agent)!;

  it("counts only the tools each agent may call, per server, against the gateway's own tools", () => {
    const memory = servers.find((server) => server.name === 'memory')!.tools;
    const filesystem = servers.find((server) => server.name === 'filesystem')!.tools;
    const allowedMemory = memory.filter((tool) => !tool.name.startsWith('delete_'));
    const researcher = byAgent('researcher');
    assert.deepEqual(researcher.servers, [
      { server: 'memory', tools: allowedMemory.length, tokens: tokensOf(allowedMemory) },
      { server: 'filesystem', tools: filesystem.length, tokens: tokensOf(filesystem) },
    ]);
    assert.equal(researcher.direct.tokens, tokensOf(allowedMemory) + tokensOf(filesystem));
    assert.deepEqual(researcher.gateway, { tools: 4, tokens: tokensOf(gatewayTools) });
    assert.equal(researcher.saved.tokens, researcher.direct.tokens - researcher.gateway.tokens);
    assert.equal(byAgent('builder').direct.tools, 85);
  });

  it('shows an agent that may call nothing with zero direct tokens and a negative saving', () => {
    const nobody = byAgent('nobody');
    assert.deepEqual(nobody.servers, []);
    assert.equal(nobody.direct.tokens, 0);
    assert.equal(nobody.saved.tokens, -nobody.gateway.tokens);
  });

  it('names a server that could not be listed', () => {
    assert.deepEqual(report.unavailable, [{ server: 'remote', reason: 'connect timeout after 5000 ms' }]);
  });

  it('formats a table with a line per agent and its servers, and the same figures as JSON', () => {
    const table = formatContextReport(report);
    const builder = byAgent('builder');
    assert.match(table, /^agent \/ server +tools +direct tokens +gateway tokens +saved$/m);
    const builderLine = table.split('\n').find((line) => line.startsWith('builder'));
    assert.ok(builderLine?.includes(`(${builder.saved.percent} %)`), builderLine);
    assert.match(table, /^ {2}notion +24 +\d[\d ]* *$/m);
    assert.match(table, /unavailable: remote \(connect timeout after 5000 ms\)/);
    assert.deepEqual(JSON.parse(formatContextReportJson(report)), report);
  });
});
