import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { substituteVariables } from './substitute.ts';

describe('substituteVariables', () => {
  it('replaces a set variable in a string value', () => {
    const { value, missing } = substituteVariables({ url: 'https://${HOST}/mcp' }, { HOST: 'example.com' });
    assert.deepEqual(value, { url: 'https://example.com/mcp' });
    assert.deepEqual(missing, []);
  });

  it('replaces several references in one string', () => {
    const { value } = substituteVariables('${A}-${B}-${A}', { A: '1', B: '2' });
    assert.equal(value, '1-2-1');
  });

  it('reports an unset variable with its JSON path and substitutes the empty string', () => {
    const { value, missing } = substituteVariables(
      { mcpServers: { github: { env: { GITHUB_TOKEN: '${GITHUB_TOKEN}' } } } },
      {},
    );
    assert.deepEqual(value, { mcpServers: { github: { env: { GITHUB_TOKEN: '' } } } });
    assert.deepEqual(missing, [
      { variable: 'GITHUB_TOKEN', path: ['mcpServers', 'github', 'env', 'GITHUB_TOKEN'] },
    ]);
  });

  it('keeps a set but empty variable as the empty string without reporting it', () => {
    const { value, missing } = substituteVariables('x${EMPTY}y', { EMPTY: '' });
    assert.equal(value, 'xy');
    assert.deepEqual(missing, []);
  });

  it('uses the fallback when the variable is unset or empty, like a shell', () => {
    const text = '${V:-fallback value}';
    assert.equal(substituteVariables(text, {}).value, 'fallback value');
    assert.equal(substituteVariables(text, { V: '' }).value, 'fallback value');
    assert.equal(substituteVariables(text, { V: 'set' }).value, 'set');
    assert.deepEqual(substituteVariables(text, {}).missing, []);
  });

  it('accepts an empty fallback', () => {
    const result = substituteVariables('a${V:-}b', {});
    assert.equal(result.value, 'ab');
    assert.deepEqual(result.missing, []);
  });

  it('walks nested objects and arrays, reporting array indices in paths', () => {
    const { value, missing } = substituteVariables(
      { s: { args: ['--token', '${TOKEN}', '${HOME}'], headers: { Authorization: 'Bearer ${TOKEN}' } } },
      { HOME: '/home/u' },
    );
    assert.deepEqual(value, {
      s: { args: ['--token', '', '/home/u'], headers: { Authorization: 'Bearer ' } },
    });
    assert.deepEqual(missing, [
      { variable: 'TOKEN', path: ['s', 'args', 1] },
      { variable: 'TOKEN', path: ['s', 'headers', 'Authorization'] },
    ]);
  });

  it('never substitutes in object keys', () => {
    const { value } = substituteVariables({ '${KEY}': '${KEY}' }, { KEY: 'k' });
    assert.deepEqual(value, { '${KEY}': 'k' });
  });

  it('leaves numbers, booleans and null untouched', () => {
    const input = { a: 1, b: true, c: null };
    assert.deepEqual(substituteVariables(input, {}).value, input);
  });

  it('turns $${ into a literal ${ and leaves other dollar forms alone', () => {
    const { value, missing } = substituteVariables('$${V} $V $$ ${input:token} ${1X}', { V: 'v' });
    assert.equal(value, '${V} $V $$ ${input:token} ${1X}');
    assert.deepEqual(missing, []);
  });

  it('does not resolve a variable from the prototype of the env object', () => {
    const { missing } = substituteVariables('${toString}', {});
    assert.deepEqual(missing, [{ variable: 'toString', path: [] }]);
  });

  it('keeps a __proto__ key as an ordinary key', () => {
    const input = JSON.parse('{"__proto__": {"x": "${V}"}}') as unknown;
    const { value } = substituteVariables(input, { V: 'v' });
    assert.deepEqual(Object.keys(value as object), ['__proto__']);
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
  });
});
