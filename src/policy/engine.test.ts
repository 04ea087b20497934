import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { compilePolicy, findUnconfiguredServerReferences } from './engine.ts';
import type { AgentRules, Decision, PolicyRules } from './types.ts';

function rulesFor(agents: Record<string, AgentRules>, denyOnMissingAgent = false): PolicyRules {
  return { agents, defaults: { deny_on_missing_agent: denyOnMissingAgent } };
}

const allow = (rule: string): Decision => ({ effect: 'allow', rule });
const deny = (rule: string): Decision => ({ effect: 'deny', rule });

/** Tool decisions for one agent that may access every server, with the given tool rules. */
function toolDecision(
  tools: Pick<AgentRules, 'allow' | 'deny'>,
  tool: string,
  server = 'postgres',
): Decision {
  const rules = rulesFor({
    backend: {
      allow: { servers: ['*'], ...(tools.allow?.tools && { tools: tools.allow.tools }) },
      ...(tools.deny && { deny: tools.deny }),
    },
  });
  return compilePolicy(rules).evaluateToolAccess('backend', server, tool);
}

describe('evaluateServerAccess', () => {
  const rules = rulesFor({
    backend: { allow: { servers: ['postgres', 'db-*'] }, deny: { servers: ['db-prod'] } },
    everything: { allow: { servers: ['*'] }, deny: { servers: ['secrets', 'admin-*'] } },
    nothing: {},
  });

  it('allows a server named by an explicit allow rule', () => {
    assert.deepEqual(
      compilePolicy(rules).evaluateServerAccess('backend', 'postgres'),
      allow('agents.backend.allow.servers[0] ("postgres")'),
    );
  });

  it('allows a server matched by a wildcard allow rule', () => {
    assert.deepEqual(
      compilePolicy(rules).evaluateServerAccess('backend', 'db-staging'),
      allow('agents.backend.allow.servers[1] ("db-*")'),
    );
  });

  it('denies a server matched by a deny rule even when an allow rule matches too', () => {
    assert.deepEqual(
      compilePolicy(rules).evaluateServerAccess('backend', 'db-prod'),
      deny('agents.backend.deny.servers[0] ("db-prod")'),
    );
  });

  it('lets a server deny beat an allow of *', () => {
    assert.deepEqual(
      compilePolicy(rules).evaluateServerAccess('everything', 'secrets'),
      deny('agents.everything.deny.servers[0] ("secrets")'),
    );
    assert.deepEqual(
      compilePolicy(rules).evaluateServerAccess('everything', 'admin-panel'),
      deny('agents.everything.deny.servers[1] ("admin-*")'),
    );
    assert.deepEqual(
      compilePolicy(rules).evaluateServerAccess('everything', 'github'),
      allow('agents.everything.allow.servers[0] ("*")'),
    );
  });

  it('denies a server that no allow rule matches', () => {
    assert.deepEqual(
      compilePolicy(rules).evaluateServerAccess('backend', 'github'),
      deny('no matching allow rule'),
    );
    assert.deepEqual(
      compilePolicy(rules).evaluateServerAccess('nothing', 'postgres'),
      deny('no matching allow rule'),
    );
  });

  it('matches server names case-sensitively', () => {
    assert.deepEqual(
      compilePolicy(rules).evaluateServerAccess('backend', 'Postgres'),
      deny('no matching allow rule'),
    );
  });

  it('denies every server to an agent the rules do not define', () => {
    assert.deepEqual(
      compilePolicy(rules).evaluateServerAccess('intruder', 'postgres'),
      deny('agent "intruder" is not defined in the rules'),
    );
  });

  it('never treats inherited object members as agents', () => {
    for (const agentId of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      assert.equal(compilePolicy(rules).evaluateServerAccess(agentId, 'postgres').effect, 'deny');
    }
  });

  it('quotes agent ids that are not plain identifiers in the rule path', () => {
    const dotted = rulesFor({ 'team.role': { allow: { servers: ['*'] } } });
    assert.deepEqual(
      compilePolicy(dotted).evaluateServerAccess('team.role', 'github'),
      allow('agents["team.role"].allow.servers[0] ("*")'),
    );
  });
});

describe('evaluateToolAccess precedence', () => {
  it('1: an explicit deny beats every allow', () => {
    assert.deepEqual(
      toolDecision(
        {
          allow: { tools: { postgres: ['drop_table', 'drop_*'] } },
          deny: { tools: { postgres: ['drop_table'] } },
        },
        'drop_table',
      ),
      deny('agents.backend.deny.tools.postgres[0] ("drop_table")'),
    );
  });

  it('1: an explicit deny beats a wildcard deny listed before it', () => {
    assert.deepEqual(
      toolDecision({ deny: { tools: { postgres: ['drop_*', 'drop_table'] } } }, 'drop_table'),
      deny('agents.backend.deny.tools.postgres[1] ("drop_table")'),
    );
  });

  it('2: a wildcard deny beats an explicit allow', () => {
    assert.deepEqual(
      toolDecision(
        { allow: { tools: { postgres: ['drop_table'] } }, deny: { tools: { postgres: ['drop_*'] } } },
        'drop_table',
      ),
      deny('agents.backend.deny.tools.postgres[0] ("drop_*")'),
    );
  });

  it('2: a wildcard deny beats a wildcard allow', () => {
    assert.deepEqual(
      toolDecision(
        { allow: { tools: { postgres: ['*'] } }, deny: { tools: { postgres: ['drop_*'] } } },
        'drop_x',
      ),
      deny('agents.backend.deny.tools.postgres[0] ("drop_*")'),
    );
  });

  it('3: an explicit allow beats a wildcard allow listed before it', () => {
    assert.deepEqual(
      toolDecision({ allow: { tools: { postgres: ['q*', 'query'] } } }, 'query'),
      allow('agents.backend.allow.tools.postgres[1] ("query")'),
    );
  });

  it('3: an explicit allow wins when the deny rules match other tools only', () => {
    assert.deepEqual(
      toolDecision(
        { allow: { tools: { postgres: ['query'] } }, deny: { tools: { postgres: ['drop_*'] } } },
        'query',
      ),
      allow('agents.backend.allow.tools.postgres[0] ("query")'),
    );
  });

  it('4: a wildcard allow allows a tool no deny matches', () => {
    assert.deepEqual(
      toolDecision(
        { allow: { tools: { postgres: ['list_*'] } }, deny: { tools: { postgres: ['drop_*'] } } },
        'list_x',
      ),
      allow('agents.backend.allow.tools.postgres[0] ("list_*")'),
    );
  });

  it('5: grants implicitly when no allow.tools key matches the server', () => {
    assert.deepEqual(toolDecision({}, 'anything'), allow('implicit grant'));
    assert.deepEqual(
      toolDecision({ allow: { tools: { github: ['x'] } } }, 'anything'),
      allow('implicit grant'),
    );
  });

  it('5: grants implicitly a tool that the deny lists do not match', () => {
    assert.deepEqual(
      toolDecision({ deny: { tools: { postgres: ['drop_*'] } } }, 'query'),
      allow('implicit grant'),
    );
    assert.deepEqual(
      toolDecision({ deny: { tools: { postgres: ['drop_*'] } } }, 'drop_x'),
      deny('agents.backend.deny.tools.postgres[0] ("drop_*")'),
    );
  });

  it('5: counts an empty allow list as an implicit grant', () => {
    assert.deepEqual(toolDecision({ allow: { tools: { postgres: [] } } }, 'query'), allow('implicit grant'));
    assert.deepEqual(
      toolDecision(
        { allow: { tools: { postgres: [], 'post*': [] } }, deny: { tools: { postgres: ['drop'] } } },
        'q',
      ),
      allow('implicit grant'),
    );
  });

  it('6: denies a tool that no allow list on a listed server matches', () => {
    assert.deepEqual(
      toolDecision({ allow: { tools: { postgres: ['query'] } } }, 'drop_table'),
      deny('no matching allow rule'),
    );
  });

  it('6: an empty allow list does not grant when another matching key lists tools', () => {
    assert.deepEqual(
      toolDecision({ allow: { tools: { postgres: [], '*': ['read_*'] } } }, 'write'),
      deny('no matching allow rule'),
    );
  });

  it('matches tool names case-sensitively', () => {
    assert.deepEqual(
      toolDecision({ allow: { tools: { postgres: ['query'] } } }, 'Query'),
      deny('no matching allow rule'),
    );
  });
});

describe('evaluateToolAccess with every explicit/wildcard combination on one tool', () => {
  const combos: { allowPattern?: string; denyPattern?: string; expected: Decision }[] = [
    {
      allowPattern: 'drop',
      denyPattern: 'drop',
      expected: deny('agents.backend.deny.tools.postgres[0] ("drop")'),
    },
    {
      allowPattern: 'dr*',
      denyPattern: 'drop',
      expected: deny('agents.backend.deny.tools.postgres[0] ("drop")'),
    },
    {
      allowPattern: 'drop',
      denyPattern: 'd?op',
      expected: deny('agents.backend.deny.tools.postgres[0] ("d?op")'),
    },
    {
      allowPattern: 'dr*',
      denyPattern: '[d]rop',
      expected: deny('agents.backend.deny.tools.postgres[0] ("[d]rop")'),
    },
    { allowPattern: 'drop', expected: allow('agents.backend.allow.tools.postgres[0] ("drop")') },
    { allowPattern: 'dr*', expected: allow('agents.backend.allow.tools.postgres[0] ("dr*")') },
    { denyPattern: 'drop', expected: deny('agents.backend.deny.tools.postgres[0] ("drop")') },
    { denyPattern: 'dr*', expected: deny('agents.backend.deny.tools.postgres[0] ("dr*")') },
    { expected: allow('implicit grant') },
  ];
  for (const { allowPattern, denyPattern, expected } of combos) {
    it(`decides ${expected.effect} for allow ${allowPattern ?? '-'} and deny ${denyPattern ?? '-'}`, () => {
      const decision = toolDecision(
        {
          ...(allowPattern !== undefined && { allow: { tools: { postgres: [allowPattern] } } }),
          ...(denyPattern !== undefined && { deny: { tools: { postgres: [denyPattern] } } }),
        },
        'drop',
      );
      assert.deepEqual(decision, expected);
    });
  }
});

describe('evaluateToolAccess with glob keys', () => {
  const rules = rulesFor({
    backend: {
      allow: { servers: ['*'], tools: { 'db-*': ['query', 'list_*'] } },
      deny: { tools: { '*': ['delete_*'], 'db-prod': ['list_secrets'] } },
    },
  });

  it('applies a "*" key to every server', () => {
    for (const server of ['github', 'db-main', 'x']) {
      assert.deepEqual(
        compilePolicy(rules).evaluateToolAccess('backend', server, 'delete_repo'),
        deny('agents.backend.deny.tools["*"][0] ("delete_*")'),
      );
    }
  });

  it('applies a "db-*" key only to the servers it matches', () => {
    assert.deepEqual(
      compilePolicy(rules).evaluateToolAccess('backend', 'db-main', 'query'),
      allow('agents.backend.allow.tools["db-*"][0] ("query")'),
    );
    assert.deepEqual(
      compilePolicy(rules).evaluateToolAccess('backend', 'db-main', 'write'),
      deny('no matching allow rule'),
    );
    assert.deepEqual(
      compilePolicy(rules).evaluateToolAccess('backend', 'github', 'write'),
      allow('implicit grant'),
    );
  });

  it('gathers rules from several keys that match the same server', () => {
    assert.deepEqual(
      compilePolicy(rules).evaluateToolAccess('backend', 'db-prod', 'list_secrets'),
      deny('agents.backend.deny.tools.db-prod[0] ("list_secrets")'),
    );
    assert.deepEqual(
      compilePolicy(rules).evaluateToolAccess('backend', 'db-prod', 'list_tables'),
      allow('agents.backend.allow.tools["db-*"][1] ("list_*")'),
    );
  });
});

describe('evaluateToolAccess on a server the agent may not access', () => {
  const rules = rulesFor({
    backend: { allow: { servers: ['postgres'], tools: { github: ['*'] } }, deny: { servers: ['secrets'] } },
  });

  it('denies the tool with the server deny rule', () => {
    assert.deepEqual(
      compilePolicy(rules).evaluateToolAccess('backend', 'secrets', 'read'),
      deny('agents.backend.deny.servers[0] ("secrets")'),
    );
  });

  it('denies the tool when no server rule allows, whatever the tool rules say', () => {
    assert.deepEqual(
      compilePolicy(rules).evaluateToolAccess('backend', 'github', 'read'),
      deny('no matching allow rule'),
    );
  });

  it('denies every tool to an agent the rules do not define', () => {
    assert.deepEqual(
      compilePolicy(rules).evaluateToolAccess('ghost', 'postgres', 'query'),
      deny('agent "ghost" is not defined in the rules'),
    );
  });
});

describe('rule strings', () => {
  it('renders plain segments with dots and other segments as JSON-quoted brackets', () => {
    const rules = rulesFor({
      'team.role': { allow: { servers: ['*'], tools: { 'my.server': ['a"b*'] } } },
    });
    assert.deepEqual(
      compilePolicy(rules).evaluateToolAccess('team.role', 'my.server', 'a"bc'),
      allow('agents["team.role"].allow.tools["my.server"][0] ("a\\"b*")'),
    );
  });
});

describe('listAccessibleServers', () => {
  const rules = rulesFor({
    backend: { allow: { servers: ['db-*', 'github'] }, deny: { servers: ['db-prod'] } },
  });

  it('keeps only the accessible servers, in input order', () => {
    assert.deepEqual(
      compilePolicy(rules).listAccessibleServers('backend', ['github', 'db-prod', 'slack', 'db-main']),
      ['github', 'db-main'],
    );
  });

  it('returns nothing for an unknown agent', () => {
    assert.deepEqual(compilePolicy(rules).listAccessibleServers('ghost', ['github']), []);
  });
});

describe('compilePolicy', () => {
  const rules = rulesFor({
    backend: {
      allow: { servers: ['*'], tools: { postgres: ['query'] } },
      deny: { tools: { '*': ['drop_*'] } },
    },
  });

  it('returns one compilation per rules object', () => {
    assert.equal(compilePolicy(rules), compilePolicy(rules));
    assert.notEqual(compilePolicy(rules), compilePolicy({ ...rules }));
  });

  it('answers like the plain functions, also on repeated and many distinct servers', () => {
    const policy = compilePolicy(rules);
    assert.equal(policy.hasAgent('backend'), true);
    assert.equal(policy.hasAgent('ghost'), false);
    for (let i = 0; i < 2_500; i += 1) {
      const server = i % 2 === 0 ? 'postgres' : `server-${i}`;
      assert.deepEqual(
        policy.evaluateToolAccess('backend', server, 'drop_x'),
        compilePolicy(rules).evaluateToolAccess('backend', server, 'drop_x'),
      );
      assert.deepEqual(
        policy.evaluateToolAccess('backend', server, 'query'),
        i % 2 === 0 ? allow('agents.backend.allow.tools.postgres[0] ("query")') : allow('implicit grant'),
      );
    }
  });
});

describe('findUnconfiguredServerReferences', () => {
  it('warns once per agent and explicit server name that is not configured', () => {
    const rules = rulesFor({
      backend: {
        allow: { servers: ['postgres', 'db-*', 'github'], tools: { postgres: ['query'], redis: ['get'] } },
        deny: { servers: ['legacy'], tools: { '*': ['drop_*'] } },
      },
      'team.role': { allow: { servers: ['postgres'] } },
    });
    assert.deepEqual(findUnconfiguredServerReferences(rules, ['github']), [
      'agent "backend" names server "postgres", which is not configured',
      'agent "backend" names server "redis", which is not configured',
      'agent "backend" names server "legacy", which is not configured',
      'agent "team.role" names server "postgres", which is not configured',
    ]);
  });

  it('returns no warnings when every explicit name is configured', () => {
    const rules = rulesFor({ a: { allow: { servers: ['x', '?'], tools: { y: [] } } } });
    assert.deepEqual(findUnconfiguredServerReferences(rules, new Set(['x', 'y'])), []);
  });
});
