/** SPEC §17 `report`: per agent, the tokens of loading its allowed tools directly, through the built binary. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { tempDir, writeJson } from './cli-raw-gateway.ts';
import { connectDirect } from './gateway-test-helpers.ts';
import { fixture, fixtureServer, runCli } from './harness.ts';

const RULES = {
  agents: {
    builder: { allow: { servers: ['multi'] } },
    reader: { allow: { servers: ['multi'], tools: { multi: ['echo'] } } },
    nobody: {},
  },
};

describe('agent-mcp-gateway report', () => {
  let home: { dir: string; remove(): Promise<void> };
  let args: string[];
  before(async () => {
    home = await tempDir('gateway-report-');
    const servers = await writeJson(`${home.dir}/.mcp.json`, {
      mcpServers: {
        multi: fixtureServer('multi-tool'),
        broken: { command: process.execPath, args: [fixture('failing'), '--exit-on-start'] },
      },
    });
    const rules = await writeJson(`${home.dir}/.mcp-gateway-rules.json`, RULES);
    args = ['--mcp-config', servers, '--rules', rules];
  });
  after(() => home.remove());

  it('counts each agent allowed tools as loaded directly, against the gateway tools, and names unreachable servers', async () => {
    const run = await runCli(['report', '--json', ...args], { cwd: home.dir });
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as {
      agents: { agent: string; direct: { tools: number; tokens: number }; gateway: { tools: number } }[];
      unavailable: { server: string }[];
    };
    const direct = await connectDirect(fixtureServer('multi-tool'));
    let tools;
    try {
      ({ tools } = await direct.client.listTools());
    } finally {
      await direct.close();
    }
    const byAgent = Object.fromEntries(report.agents.map((agent) => [agent.agent, agent]));
    const all = tools.reduce((sum, tool) => sum + countTokens(JSON.stringify(tool)), 0);
    assert.equal(byAgent.builder?.direct.tools, tools.length);
    assert.equal(byAgent.builder?.direct.tokens, all);
    const echo = tools.find((tool) => tool.name === 'echo');
    assert.equal(byAgent.reader?.direct.tokens, countTokens(JSON.stringify(echo)));
    assert.equal(byAgent.nobody?.direct.tools, 0);
    assert.equal(byAgent.builder?.gateway.tools, 4, "the gateway's own tools/list without debug");
    assert.deepEqual(
      report.unavailable.map((entry) => entry.server),
      ['broken'],
    );
  });

  it('prints a readable table for one agent on a terminal, and refuses an unknown agent', async () => {
    const run = await runCli(['report', '--agent', 'reader', ...args], { cwd: home.dir });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^agent \/ server\s+tools\s+direct tokens\s+gateway tokens\s+saved/m);
    assert.match(run.stdout, /^reader\s+1\s/m);
    assert.doesNotMatch(run.stdout, /^builder/m);
    const unknown = await runCli(['report', '--agent', 'ghost', ...args], { cwd: home.dir });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /agent "ghost" is not defined/);
  });
});
