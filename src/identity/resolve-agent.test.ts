import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import type { GatewayError } from '../errors.ts';
import type { AgentRules, PolicyRules } from '../policy/types.ts';
import { isValidAgentId, resolveAgent, type AgentResolution } from './resolve-agent.ts';

function rulesWith(agentIds: readonly string[], denyOnMissingAgent = false): PolicyRules {
  const agents: Record<string, AgentRules> = {};
  for (const id of agentIds) agents[id] = { allow: { servers: ['*'] } };
  return { agents, defaults: { deny_on_missing_agent: denyOnMissingAgent } };
}

function expectError(resolution: AgentResolution): GatewayError {
  assert.equal(resolution.ok, false);
  if (resolution.ok) throw new Error('unreachable');
  return resolution.error;
}

const rules = rulesWith(['backend', 'team.role', 'default', 'secret-admin']);

describe('resolveAgent with an agent_id argument', () => {
  it('resolves a defined agent from the argument', () => {
    assert.deepEqual(resolveAgent({ agentIdArgument: 'backend', rules, defaultAgentEnv: 'default' }), {
      ok: true,
      agentId: 'backend',
      source: 'argument',
    });
  });

  it('accepts team.role style ids as plain names', () => {
    assert.deepEqual(resolveAgent({ agentIdArgument: 'team.role', rules, defaultAgentEnv: undefined }), {
      ok: true,
      agentId: 'team.role',
      source: 'argument',
    });
  });

  it('rejects an unknown agent_id without falling back, and tells how to fix it', () => {
    const error = expectError(
      resolveAgent({ agentIdArgument: 'intruder', rules, defaultAgentEnv: 'backend' }),
    );
    assert.equal(error.code, 'INVALID_AGENT_ID');
    assert.equal(
      error.message,
      'agent_id "intruder" is not defined in the rules; ask the operator to add it to .mcp-gateway-rules.json',
    );
    assert.deepEqual(error.details, { agent_id: 'intruder' });
  });

  it('never lists the defined agents in an error message', () => {
    for (const agentIdArgument of ['intruder', 'bad id', 42]) {
      const error = expectError(resolveAgent({ agentIdArgument, rules, defaultAgentEnv: undefined }));
      for (const defined of ['backend', 'team.role', 'secret-admin'])
        assert.ok(!error.message.includes(defined));
    }
  });

  it('rejects a malformed agent_id and says which characters are allowed', () => {
    const error = expectError(
      resolveAgent({ agentIdArgument: 'bad id!', rules, defaultAgentEnv: undefined }),
    );
    assert.equal(error.code, 'INVALID_AGENT_ID');
    assert.match(error.message, /^agent_id "bad id!" is malformed; it may contain only letters, digits/);
    assert.deepEqual(error.details, { agent_id: 'bad id!' });
  });

  it('rejects a non-string agent_id', () => {
    for (const agentIdArgument of [42, true, {}, ['backend']]) {
      const error = expectError(resolveAgent({ agentIdArgument, rules, defaultAgentEnv: 'backend' }));
      assert.equal(error.code, 'INVALID_AGENT_ID');
      assert.equal(error.message, 'agent_id must be a string');
      assert.deepEqual(error.details, {});
    }
  });

  it('never resolves inherited object members as agents', () => {
    for (const agentIdArgument of ['constructor', 'toString', '__proto__']) {
      const error = expectError(resolveAgent({ agentIdArgument, rules, defaultAgentEnv: undefined }));
      assert.equal(error.code, 'INVALID_AGENT_ID');
    }
  });

  it('shortens a very long agent_id in the message and details', () => {
    const long = 'a'.repeat(10_000);
    const error = expectError(resolveAgent({ agentIdArgument: long, rules, defaultAgentEnv: undefined }));
    assert.ok(error.message.length < 400);
    assert.equal(error.details.agent_id, `${'a'.repeat(128)}…`);
  });

  it('checks the argument before deny_on_missing_agent', () => {
    const strict = rulesWith(['backend'], true);
    assert.deepEqual(
      resolveAgent({ agentIdArgument: 'backend', rules: strict, defaultAgentEnv: undefined }),
      {
        ok: true,
        agentId: 'backend',
        source: 'argument',
      },
    );
  });
});

describe('resolveAgent without an agent_id argument', () => {
  it('treats undefined, null and the empty string as missing', () => {
    for (const agentIdArgument of [undefined, null, '']) {
      assert.deepEqual(resolveAgent({ agentIdArgument, rules, defaultAgentEnv: 'backend' }), {
        ok: true,
        agentId: 'backend',
        source: 'env',
      });
    }
  });

  it('requires agent_id when deny_on_missing_agent is true, before any fallback', () => {
    const strict = rulesWith(['backend', 'default'], true);
    const error = expectError(
      resolveAgent({ agentIdArgument: '', rules: strict, defaultAgentEnv: 'backend' }),
    );
    assert.equal(error.code, 'INVALID_AGENT_ID');
    assert.match(error.message, /^agent_id is required/);
  });

  it('uses GATEWAY_DEFAULT_AGENT before an agent named default', () => {
    assert.deepEqual(resolveAgent({ agentIdArgument: undefined, rules, defaultAgentEnv: 'team.role' }), {
      ok: true,
      agentId: 'team.role',
      source: 'env',
    });
  });

  it('fails when GATEWAY_DEFAULT_AGENT names an undefined agent, even if default exists', () => {
    const error = expectError(resolveAgent({ agentIdArgument: undefined, rules, defaultAgentEnv: 'ghost' }));
    assert.equal(error.code, 'FALLBACK_AGENT_NOT_IN_RULES');
    assert.match(
      error.message,
      /GATEWAY_DEFAULT_AGENT names agent "ghost", which is not defined in the rules/,
    );
    assert.deepEqual(error.details, { agent_id: 'ghost' });
  });

  it('ignores an empty GATEWAY_DEFAULT_AGENT', () => {
    assert.deepEqual(resolveAgent({ agentIdArgument: undefined, rules, defaultAgentEnv: '' }), {
      ok: true,
      agentId: 'default',
      source: 'default',
    });
  });

  it('falls back to the agent named default', () => {
    assert.deepEqual(resolveAgent({ agentIdArgument: undefined, rules, defaultAgentEnv: undefined }), {
      ok: true,
      agentId: 'default',
      source: 'default',
    });
  });

  it('fails with NO_FALLBACK_CONFIGURED and explains the three fixes when nothing applies', () => {
    const error = expectError(
      resolveAgent({ agentIdArgument: undefined, rules: rulesWith(['backend']), defaultAgentEnv: undefined }),
    );
    assert.equal(error.code, 'NO_FALLBACK_CONFIGURED');
    assert.match(error.message, /pass agent_id/);
    assert.match(error.message, /agent named "default"/);
    assert.match(error.message, /GATEWAY_DEFAULT_AGENT/);
    assert.ok(!error.message.includes('backend'));
    assert.deepEqual(error.details, {});
  });
});

describe('isValidAgentId', () => {
  it('accepts letters, digits, underscore, dot and hyphen only', () => {
    for (const id of ['a', 'A_b-c.d', '0', 'team.role', '...']) assert.equal(isValidAgentId(id), true);
    for (const id of ['', 'a b', 'a/b', 'é', 'a\n', 'a:b']) assert.equal(isValidAgentId(id), false);
  });
});
