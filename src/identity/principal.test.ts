import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentRules, PolicyRules } from '../policy/types.ts';
import { resolveAgent, type AgentResolution } from './resolve-agent.ts';

function rules(agents: Record<string, AgentRules>): PolicyRules {
  return { agents, defaults: { deny_on_missing_agent: false } };
}

const RULES = rules({
  ci: { act_as: ['ci.*', 'review[0-9]'] },
  'ci.build': {},
  'ci.deploy': {},
  review1: {},
  default: {},
  other: {},
});

function resolve(
  claimedAgentId: unknown,
  principal = 'ci',
  source: 'launcher' | 'credential' = 'credential',
) {
  return resolveAgent({
    principal: { agentId: principal, source },
    agentIdArgument: claimedAgentId,
    rules: RULES,
    defaultAgentEnv: 'default',
  });
}

function refusal(resolution: AgentResolution): string {
  assert.equal(resolution.ok, false);
  if (resolution.ok) return '';
  assert.equal(resolution.error.code, 'INVALID_AGENT_ID');
  return resolution.error.message;
}

describe('resolveAgent with a principal (SPEC §13)', () => {
  it('makes the principal the agent when agent_id is absent, null, empty or the principal itself', () => {
    for (const claimed of [undefined, null, '', 'ci']) {
      assert.deepEqual(resolve(claimed), { ok: true, agentId: 'ci', source: 'credential' });
    }
  });

  it('keeps the source the principal came from', () => {
    assert.deepEqual(resolve(undefined, 'ci', 'launcher'), { ok: true, agentId: 'ci', source: 'launcher' });
    assert.deepEqual(resolve('ci.build', 'ci', 'launcher'), {
      ok: true,
      agentId: 'ci.build',
      source: 'launcher',
    });
  });

  it('selects a defined agent matched by one of the principal act_as globs', () => {
    assert.deepEqual(resolve('ci.deploy'), { ok: true, agentId: 'ci.deploy', source: 'credential' });
    assert.deepEqual(resolve('review1'), { ok: true, agentId: 'review1', source: 'credential' });
  });

  it('refuses another agent that no act_as glob matches', () => {
    assert.equal(
      refusal(resolve('other')),
      'principal "ci" may not act as "other"; omit agent_id, or ask the operator to add that agent to its act_as list',
    );
  });

  it('never falls back to the default agent for a principal', () => {
    assert.equal(
      refusal(resolve('default')),
      'principal "ci" may not act as "default"; omit agent_id, or ask the operator to add that agent to its act_as list',
    );
    assert.deepEqual(resolve(undefined), { ok: true, agentId: 'ci', source: 'credential' });
  });

  it('refuses an undefined agent that matches a glob with the same message as a forbidden one', () => {
    assert.equal(
      refusal(resolve('ci.unknown')),
      'principal "ci" may not act as "ci.unknown"; omit agent_id, or ask the operator to add that agent to its act_as list',
    );
  });

  it('refuses a principal without act_as anything but itself', () => {
    assert.equal(
      refusal(resolve('ci', 'other')),
      'principal "other" may not act as "ci"; omit agent_id, or ask the operator to add that agent to its act_as list',
    );
  });

  it('refuses every call of a principal that the rules no longer define', () => {
    assert.equal(refusal(resolve(undefined, 'gone')), 'principal "gone" is not defined in the rules');
    assert.equal(refusal(resolve('gone', 'gone')), 'principal "gone" is not defined in the rules');
  });

  it('does not treat inherited object keys as agents or principals', () => {
    assert.match(refusal(resolve(undefined, 'constructor')), /not defined/);
    assert.match(refusal(resolve('__proto__')), /may not act as/);
  });

  it('refuses an agent_id that is not a string', () => {
    assert.equal(refusal(resolve(42)), 'agent_id must be a string');
  });

  it('shortens a huge claimed id in the message', () => {
    const message = refusal(resolve('x'.repeat(10_000)));
    assert.ok(message.length < 300, message);
  });
});
