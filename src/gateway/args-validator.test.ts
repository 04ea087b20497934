import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { GatewayError } from '../errors.ts';
import { ToolArgumentsValidator } from './args-validator.ts';

const context = { server: 'fx', tool: 'add' };

/** Whether Ajv is among the CommonJS modules this process has loaded. */
function ajvLoaded(): boolean {
  return Object.keys(createRequire(import.meta.url).cache).some((path) =>
    path.includes('/node_modules/ajv/'),
  );
}

// One process per test file: nothing else here loads Ajv before the first validation.
describe('ToolArgumentsValidator', () => {
  const validator = new ToolArgumentsValidator();

  it('does not load Ajv until it validates something', () => {
    assert.equal(ajvLoaded(), false);
  });

  it('accepts args that match a draft-07 schema, loading Ajv on the way', () => {
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
    };
    validator.compile(schema, context)({ a: 1, b: 2 });
    assert.equal(ajvLoaded(), true);
  });

  it('rejects args that break a 2020-12 schema with INVALID_ARGUMENTS listing each violation', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] } },
      required: ['pair', 'when'],
      additionalProperties: false,
    };
    assert.throws(
      () => validator.compile(schema, context)({ pair: ['x', 'y'], extra: true }),
      (error: unknown) => {
        assert.ok(error instanceof GatewayError);
        assert.equal(error.code, 'INVALID_ARGUMENTS');
        assert.match(error.message, /missing required property "when"/);
        assert.match(error.message, /unknown property "extra"/);
        assert.match(error.message, /pair\.1: must be number/);
        return true;
      },
    );
  });

  it('checks formats', () => {
    const schema = { type: 'object', properties: { at: { type: 'string', format: 'date-time' } } };
    assert.throws(() => validator.compile(schema, context)({ at: 'yesterday' }), /at: must match format/);
  });
});
