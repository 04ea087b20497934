import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '../errors.ts';
import { executeToolArguments, parseArguments, parseExecuteToolArguments } from './arguments.ts';

/** What the schema alone answers: the parsed value, or the INVALID_ARGUMENTS message. */
function bySchema(raw: unknown): unknown {
  try {
    return parseArguments(executeToolArguments, raw, 'execute_tool');
  } catch (error) {
    assert.ok(error instanceof GatewayError);
    return error.message;
  }
}

function byFastPath(raw: unknown): unknown {
  try {
    return parseExecuteToolArguments(raw);
  } catch (error) {
    assert.ok(error instanceof GatewayError);
    return error.message;
  }
}

const INPUTS: Record<string, unknown> = {
  'server and tool': { server: 's', tool: 't' },
  'every key': { agent_id: 'a', server: 's', tool: 't', args: { x: [1, { y: null }] }, timeout_ms: 5 },
  'an agent_id of any type': { agent_id: 42, server: 's', tool: 't' },
  'empty args': { server: 's', tool: 't', args: {} },
  'a null optional argument': { server: 's', tool: 't', args: null, timeout_ms: null },
  'a misspelt key': { server: 's', tool: 't', arguments: { x: 1 } },
  'an empty server': { server: '', tool: 't' },
  'a missing tool': { server: 's' },
  'a numeric tool': { server: 's', tool: 7 },
  'args as an array': { server: 's', tool: 't', args: [1] },
  'args as a string': { server: 's', tool: 't', args: 'x=1' },
  'a fractional timeout': { server: 's', tool: 't', timeout_ms: 1.5 },
  'a zero timeout': { server: 's', tool: 't', timeout_ms: 0 },
  'a negative timeout': { server: 's', tool: 't', timeout_ms: -1 },
  'a string timeout': { server: 's', tool: 't', timeout_ms: '100' },
  'a huge timeout': { server: 's', tool: 't', timeout_ms: 2 ** 60 },
  'no arguments at all': undefined,
  'an array': [],
  'a string': 'execute',
};

describe('parseExecuteToolArguments', () => {
  for (const [name, raw] of Object.entries(INPUTS)) {
    it(`answers as the schema does for ${name}`, () => {
      assert.deepStrictEqual(byFastPath(raw), bySchema(raw));
    });
  }
});
