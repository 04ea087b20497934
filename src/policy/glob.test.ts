import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { compileGlob, fnmatch, globToRegExp, isWildcardPattern } from './glob.ts';

/** [pattern, name, Python's fnmatch.fnmatchcase(name, pattern)], each checked against CPython 3.11. */
type Case = readonly [pattern: string, name: string, expected: boolean];

function assertCases(cases: readonly Case[]): void {
  for (const [pattern, name, expected] of cases) {
    assert.equal(
      fnmatch(name, pattern),
      expected,
      `fnmatchcase(${JSON.stringify(name)}, ${JSON.stringify(pattern)})`,
    );
  }
}

describe('fnmatch', () => {
  it('lets * match any run of characters, including none, dots and slashes', () => {
    assertCases([
      ['a*b', 'a.b', true],
      ['a*b', 'ab', true],
      ['a*b', 'a/x/b', true],
      ['a*b', 'a.b.c', false],
      ['*', '', true],
      ['*', 'anything/at.all', true],
      ['**', 'x', true],
      ['a*', 'a', true],
      ['*a', 'ba', true],
      ['*a', 'ab', false],
      ['*.py', 'x.py', true],
      ['*.py', 'x.pyc', false],
      ['drop_*', 'drop_table', true],
      ['drop_*', 'xdrop_table', false],
      ['db-*', 'db-main', true],
      ['db-*', 'db', false],
    ]);
  });

  it('matches several stars the way Python does', () => {
    assertCases([
      ['*a*a*b', 'aaab', true],
      ['*a*a*b', 'aab', true],
      ['*a*a*b', 'ab', false],
      ['a*a', 'a', false],
      ['a*a', 'aa', true],
      ['*x*', 'x', true],
      ['*x*', 'abc', false],
    ]);
  });

  it('lets ? match exactly one character', () => {
    assertCases([
      ['?', 'a', true],
      ['?', '', false],
      ['?', 'ab', false],
      ['a?c', 'abc', true],
      ['a?c', 'ac', false],
      ['a?c', 'a.c', true],
      ['???', 'abc', true],
    ]);
  });

  it('matches one member of [seq]', () => {
    assertCases([
      ['[abc]', 'b', true],
      ['[abc]', 'd', false],
      ['[abc]', 'ab', false],
    ]);
  });

  it('matches one non-member with [!seq]', () => {
    assertCases([
      ['[!a]', 'a', false],
      ['[!a]', 'b', true],
      ['[!a]', '', false],
      ['[!abc]x', 'dx', true],
      ['[!abc]x', 'ax', false],
    ]);
  });

  it('supports ranges inside brackets, negated or not', () => {
    assertCases([
      ['[a-c]x', 'bx', true],
      ['[a-c]x', 'dx', false],
      ['[!a-c]x', 'dx', true],
      ['[!a-c]x', 'ax', false],
      ['[0-9][0-9]', '42', true],
      ['[a-cx-z]', 'y', true],
      ['[a-cx-z]', 'm', false],
    ]);
  });

  it('treats a [ without a closing ] as a literal [', () => {
    assertCases([
      ['[', '[', true],
      ['[', 'a', false],
      ['a[', 'a[', true],
      ['[abc', '[abc', true],
      ['[abc', 'a', false],
      ['[!', '[!', true],
      ['[]', '[]', true],
      ['[!]', '[!]', true],
    ]);
  });

  it('treats ] right after [ or [! as a member', () => {
    assertCases([
      ['[]]', ']', true],
      ['[]]', 'a', false],
      ['[]a]', 'a', true],
      ['[]a]', ']', true],
      ['[!]]', ']', false],
      ['[!]]', 'a', true],
      ['[]-a]', '^', true],
      ['[]-a]', 'b', false],
    ]);
  });

  it('treats a hyphen at either end of a bracket, or after a range, as a member', () => {
    assertCases([
      ['[-a]', '-', true],
      ['[-a]', 'a', true],
      ['[a-]', '-', true],
      ['[a-]', 'a', true],
      ['[a-]', 'b', false],
      ['[!-a]', '-', false],
      ['[!-a]', 'b', true],
      ['[a-b-c]', '-', true],
      ['[a-b-c]', 'c', true],
      ['[a-b-c]', 'b', true],
    ]);
  });

  it('reproduces Python on reversed ranges: [z-a] matches nothing, [!z-a] any one character', () => {
    assertCases([
      ['[z-a]', 'm', false],
      ['[z-a]', 'z', false],
      ['[z-a]', 'a', false],
      ['x[z-a]y', 'xy', false],
      ['[!z-a]', 'm', true],
      ['[!z-a]', 'z', true],
      ['[!z-a]', '', false],
    ]);
  });

  it('reproduces Python when dropping a reversed range leaves a leading ! or -', () => {
    assertCases([
      ['[c-a!x]', 'x', false],
      ['[c-a!x]', 'b', true],
      ['[c-a!x]', '!', true],
      ['[c-a!-z]', '-', false],
      ['[c-a!-z]', 'z', false],
      ['[c-a!-z]', 'a', true],
      ['[c-a!-z]', '!', true],
    ]);
  });

  it('treats a backslash as a literal character, never an escape', () => {
    assertCases([
      ['[\\]', '\\', true],
      ['\\', '\\', true],
      ['a\\*b', 'a\\xb', true],
      ['a\\*b', 'a*b', false],
      ['\\?', '\\x', true],
      ['[\\-a]', '\\', true],
      ['[\\-a]', '-', false],
      ['[\\-a]', 'b', false],
    ]);
  });

  it('treats ^, [, &, | and ~ inside brackets as members', () => {
    assertCases([
      ['[^a]', '^', true],
      ['[^a]', 'a', true],
      ['[^a]', 'b', false],
      ['[[]', '[', true],
      ['[[a]', 'a', true],
      ['[&&]', '&', true],
      ['[a|b]', '|', true],
      ['[~]', '~', true],
    ]);
  });

  it('treats regex special characters outside brackets as literals', () => {
    assertCases([
      ['a.b', 'a.b', true],
      ['a.b', 'axb', false],
      ['a+b', 'a+b', true],
      ['a+b', 'aab', false],
      ['(x)', '(x)', true],
      ['{a,b}', 'a', false],
      ['{a,b}', '{a,b}', true],
      ['$^', '$^', true],
      ['a|b', 'a', false],
      ['a|b', 'a|b', true],
      ['/x/', '/x/', true],
    ]);
  });

  it('is case-sensitive', () => {
    assertCases([
      ['A', 'a', false],
      ['a', 'A', false],
      ['[A-Z]', 'a', false],
      ['[a-z]', 'Q', false],
      ['Tool', 'tool', false],
      ['drop_*', 'DROP_table', false],
    ]);
  });

  it('matches the whole name only', () => {
    assertCases([
      ['', '', true],
      ['', ' ', false],
      ['abc', 'xabcx', false],
      ['b*', 'ab', false],
    ]);
  });

  it('lets * and ? match line breaks, and ? match one whole code point', () => {
    assertCases([
      ['?', '\n', true],
      ['a*b', 'a\nb', true],
      ['[!a]', '\n', true],
      ['é', 'é', true],
      ['?', '😀', true],
      ['??', '😀', false],
      ['[😀-🙏]', '😁', true],
      ['[😀-🙏]', '🚀', false],
    ]);
  });

  it('stays fast on names that would make a naive backtracking regex explode', () => {
    const started = performance.now();
    assert.equal(fnmatch('a'.repeat(20_000), '*a*a*a*a*a*a*b'), false);
    assert.ok(performance.now() - started < 2_000);
  });
});

describe('compileGlob', () => {
  it('returns the same cached predicate for the same pattern', () => {
    assert.equal(compileGlob('x*'), compileGlob('x*'));
  });

  it('keeps answering correctly after the cache has been cleared by many patterns', () => {
    for (let i = 0; i < 2_500; i += 1) assert.equal(fnmatch(`tool_${i}`, `tool_${i}*`), true);
    assert.equal(fnmatch('tool_1', 'tool_?'), true);
  });
});

describe('globToRegExp', () => {
  it('produces an anchored, dot-all, unicode regex', () => {
    const regex = globToRegExp('a*b');
    assert.equal(regex.flags, 'su');
    assert.ok(regex.source.startsWith('^'));
    assert.ok(regex.source.endsWith('$'));
  });
});

describe('isWildcardPattern', () => {
  it('is true for patterns containing *, ? or [', () => {
    for (const pattern of ['*', 'drop_*', 'a?c', '[ab]', '[', 'x['])
      assert.equal(isWildcardPattern(pattern), true);
  });

  it('is false for explicit names, even with other punctuation', () => {
    for (const pattern of ['', 'query', 'team.role', 'a]b', 'a\\b', '!x', 'db-main', '{a,b}']) {
      assert.equal(isWildcardPattern(pattern), false);
    }
  });
});
