import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatJsonPath } from './json-path.ts';
import { findJsonSyntaxError } from './json-syntax-error.ts';
import { parseJson } from './parse-json.ts';

describe('parseJson', () => {
  it('returns the value of valid JSON, ignoring a byte-order mark', () => {
    assert.deepEqual(parseJson('\ufeff{"a": [1, true, null, "x"]}', 'f.json'), {
      ok: true,
      value: { a: [1, true, null, 'x'] },
    });
  });

  it('locates a missing comma by line and column', () => {
    const result = parseJson('{\n  "a": 1\n  "b": 2\n}', '/cfg/.mcp.json');
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.issue.file, '/cfg/.mcp.json');
    assert.equal(result.issue.path, '');
    assert.equal(result.issue.severity, 'error');
    assert.equal(
      result.issue.message,
      'invalid JSON at line 3, column 3: expected "," or "}" after property value',
    );
  });

  it('never quotes the file text, which may hold a secret', () => {
    const result = parseJson('{"token": "sk-SECRET-123", oops}', 'f.json');
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.doesNotMatch(result.issue.message, /SECRET/);
    assert.match(result.issue.message, /line 1, column 28/);
  });
});

describe('findJsonSyntaxError', () => {
  const cases: [string, number, number, RegExp][] = [
    ['', 1, 1, /end of file/],
    ['{"a": 1,}', 1, 9, /trailing comma/],
    ['[1, 2,]', 1, 7, /trailing comma/],
    ['{"a": tru}', 1, 7, /expected a value/],
    ["{'a': 1}", 1, 2, /double-quoted property name/],
    ['{"a": "x\ny"}', 1, 9, /control character/],
    ['{"a": "\\q"}', 1, 8, /escape/],
    ['{"a": "open', 1, 7, /unterminated string/],
    ['{} {}', 1, 4, /after the end/],
    ['{\n\n  "a" 1}', 3, 7, /":"/],
  ];
  for (const [text, line, column, message] of cases) {
    it(`locates the error in ${JSON.stringify(text)}`, () => {
      const found = findJsonSyntaxError(text);
      assert.ok(found);
      assert.deepEqual([found.line, found.column], [line, column]);
      assert.match(found.message, message);
    });
  }

  it('finds nothing in valid JSON', () => {
    assert.equal(findJsonSyntaxError(' {"a": [1, -2.5e3, "\\u00e9\\n", {}], "b": {"c": false}} '), undefined);
  });
});

describe('formatJsonPath', () => {
  it('writes keys dotted, indices in brackets and odd keys quoted', () => {
    assert.equal(formatJsonPath(['mcpServers', 'github', 'args', 2]), 'mcpServers.github.args[2]');
    assert.equal(formatJsonPath(['agents', 'team.role', 'allow']), 'agents["team.role"].allow');
    assert.equal(formatJsonPath(['mcpServers', 'brave-search']), 'mcpServers.brave-search');
    assert.equal(formatJsonPath([]), '');
  });
});
