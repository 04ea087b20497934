import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PolicyRules } from '../policy/types.ts';
import { loadRulesFile, parseRulesConfig } from './load-rules.ts';
import type { ConfigIssue, LoadResult } from './types.ts';

const FILE = '/cfg/.mcp-gateway-rules.json';

function parse(rules: unknown): LoadResult<PolicyRules> {
  return parseRulesConfig(JSON.stringify(rules), FILE);
}

function describeIssues(issues: readonly ConfigIssue[]): string[] {
  return issues.map((issue) => `${issue.path}: ${issue.message}`);
}

describe('parseRulesConfig', () => {
  it('produces PolicyRules with allow and deny sets', () => {
    const result = parse({
      agents: {
        backend: {
          allow: { servers: ['postgres', 'git*'], tools: { postgres: ['query', 'list_*'] } },
          deny: { tools: { '*': ['drop_*'] } },
        },
        'team.role': { allow: { servers: ['*'] } },
      },
      defaults: { deny_on_missing_agent: true },
    });
    assert.ok(result.ok);
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(
      { ...result.value.agents },
      {
        backend: {
          allow: { servers: ['postgres', 'git*'], tools: { postgres: ['query', 'list_*'] } },
          deny: { tools: { '*': ['drop_*'] } },
        },
        'team.role': { allow: { servers: ['*'] } },
      },
    );
    assert.deepEqual(result.value.defaults, { deny_on_missing_agent: true });
  });

  it('defaults deny_on_missing_agent to false, with or without a defaults object', () => {
    for (const rules of [{ agents: { a: {} } }, { agents: { a: {} }, defaults: {} }]) {
      const result = parse(rules);
      assert.ok(result.ok);
      assert.equal(result.value.defaults.deny_on_missing_agent, false);
    }
  });

  it('rejects a malformed agent id with its path', () => {
    const result = parse({ agents: { good: {}, 'bad id': {}, 'x/y': {} } });
    assert.ok(!result.ok);
    assert.deepEqual(
      result.errors.map((issue) => issue.path),
      ['agents["bad id"]', 'agents["x/y"]'],
    );
    assert.match(result.errors[0]?.message ?? '', /invalid agent id.*\^\[A-Za-z0-9_\.-\]\+\$/);
  });

  it('rejects wrong types with JSON paths', () => {
    const result = parse({
      agents: { a: { allow: { servers: ['ok', 3], tools: { git: 'status' } }, deny: [] } },
      defaults: { deny_on_missing_agent: 'yes' },
    });
    assert.ok(!result.ok);
    assert.deepEqual(
      result.errors.map((issue) => issue.path),
      [
        'agents.a.allow.servers[1]',
        'agents.a.allow.tools.git',
        'agents.a.deny',
        'defaults.deny_on_missing_agent',
      ],
    );
  });

  it('warns about unknown keys with their paths and ignores a description', () => {
    const result = parse({
      $schema: 'x',
      agnets: {},
      agents: { a: { description: 'doc', allow: { servers: ['*'], prompts: [] }, alow: {} } },
      defaults: { deny_on_missing_agent: false, strict: true },
    });
    assert.ok(result.ok);
    assert.deepEqual(describeIssues(result.warnings), [
      'agnets: unknown key "agnets" is ignored',
      'agents.a.allow.prompts: unknown key "prompts" is ignored',
      'agents.a.alow: unknown key "alow" is ignored',
      'defaults.strict: unknown key "strict" is ignored',
    ]);
    assert.deepEqual(result.value.agents['a'], { allow: { servers: ['*'] } });
  });

  it('warns when no agents are defined', () => {
    const result = parse({ defaults: { deny_on_missing_agent: true } });
    assert.ok(result.ok);
    assert.deepEqual(
      result.warnings.map((w) => w.path),
      ['agents'],
    );
  });

  it('finds no agent through prototype names', () => {
    const result = parse({ agents: { a: {} } });
    assert.ok(result.ok);
    assert.equal(result.value.agents['constructor'], undefined);
    assert.equal(result.value.agents['toString' as string], undefined);
  });

  it('rejects bad JSON and a non-object document', () => {
    const bad = parseRulesConfig('{"agents": {', FILE);
    assert.ok(!bad.ok);
    assert.match(bad.errors[0]?.message ?? '', /^invalid JSON at line 1, column 13/);
    assert.ok(!parse('agents').ok);
  });
});

describe('loadRulesFile', () => {
  it('names the path of a missing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'amg-rules-'));
    try {
      const missing = join(dir, '.mcp-gateway-rules.json');
      const result = await loadRulesFile(missing);
      assert.ok(!result.ok);
      assert.deepEqual(describeIssues(result.errors), [`: rules file not found: ${missing}`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
