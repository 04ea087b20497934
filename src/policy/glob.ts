/**
 * An exact port of Python's `fnmatch.fnmatchcase` (SPEC §6): rules files written for the Python
 * gateway must match the same names here. Only `*`, `?`, `[seq]` and `[!seq]` are special; there is
 * no escaping (`\` is a literal), and matching is case-sensitive and anchored at both ends.
 *
 * The translation mirrors CPython 3.11's `fnmatch.translate` step by step, including its quirks with
 * odd brackets (`[z-a]` never matches, `[!z-a]` matches any one character), then parses the bracket
 * text the way Python's `re` would, so the JS character class holds exactly the same members.
 */

type Matcher = (name: string) => boolean;

const STAR = Symbol('star');
type Piece = typeof STAR | string;

const CACHE_LIMIT = 1000;
const cache = new Map<string, Matcher>();

/** True when `pattern` contains `*`, `?` or `[`, i.e. it is a *wildcard* rather than an *explicit* name. */
export function isWildcardPattern(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** Python's `fnmatch.fnmatchcase(name, pattern)`. */
export function fnmatch(name: string, pattern: string): boolean {
  return compileGlob(pattern)(name);
}

/**
 * A cached predicate for one pattern. Explicit patterns and a lone `*` skip the regex engine; they
 * mean the same as their translation.
 */
export function compileGlob(pattern: string): Matcher {
  let matcher = cache.get(pattern);
  if (matcher === undefined) {
    matcher = buildMatcher(pattern);
    // A rules file holds far fewer patterns; the bound only stops unbounded growth.
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, matcher);
  }
  return matcher;
}

function buildMatcher(pattern: string): Matcher {
  if (!isWildcardPattern(pattern)) return (name) => name === pattern;
  if (/^\*+$/.test(pattern)) return () => true;
  const regex = globToRegExp(pattern);
  return (name) => regex.test(name);
}

/**
 * The anchored RegExp for a glob. Flags: `u` so that `?` and brackets see code points as Python does,
 * `s` so that `*` and `?` also match line breaks (Python's `(?s:…)`).
 */
export function globToRegExp(pattern: string): RegExp {
  // eslint-disable-next-line @typescript-eslint/no-misused-spread -- code points are Python's unit too
  return new RegExp(`^(?:${joinPieces(translatePieces([...pattern]))})$`, 'su');
}

function translatePieces(pat: readonly string[]): Piece[] {
  const pieces: Piece[] = [];
  const n = pat.length;
  let i = 0;
  while (i < n) {
    const c = pat[i] as string;
    i += 1;
    if (c === '*') {
      if (pieces.at(-1) !== STAR) pieces.push(STAR);
    } else if (c === '?') {
      pieces.push('.');
    } else if (c === '[') {
      const bracket = translateBracket(pat, i);
      if (bracket === undefined) {
        pieces.push('\\[');
      } else {
        pieces.push(bracket.fragment);
        i = bracket.next;
      }
    } else {
      pieces.push(escapeLiteral(c));
    }
  }
  return pieces;
}

/**
 * `i` is the index just after `[`. Returns undefined when the bracket never closes (then `[` is a
 * literal), else the regex fragment and the index after the closing `]`.
 */
function translateBracket(pat: readonly string[], i: number): { fragment: string; next: number } | undefined {
  const n = pat.length;
  let j = i;
  if (j < n && pat[j] === '!') j += 1;
  if (j < n && pat[j] === ']') j += 1;
  while (j < n && pat[j] !== ']') j += 1;
  if (j >= n) return undefined;

  let stuff: string;
  const raw = pat.slice(i, j);
  if (!raw.includes('-')) {
    stuff = raw.join('').replaceAll('\\', '\\\\');
  } else {
    stuff = rangeChunks(pat, i, j)
      .map((chunk) => chunk.join('').replaceAll('\\', '\\\\').replaceAll('-', '\\-'))
      .join('-');
  }
  stuff = stuff.replace(/[&~|]/g, '\\$&');

  const next = j + 1;
  if (stuff === '') return { fragment: '(?!)', next };
  if (stuff === '!') return { fragment: '.', next };
  if (stuff.startsWith('!')) stuff = `^${stuff.slice(1)}`;
  else if (stuff.startsWith('^') || stuff.startsWith('[')) stuff = `\\${stuff}`;
  return { fragment: pythonClassToJs(stuff), next };
}

/**
 * Python splits the bracket text at the hyphens that form ranges, then drops ranges whose ends are
 * reversed (they would be invalid in a regex), merging the neighbouring chunks.
 */
function rangeChunks(pat: readonly string[], start: number, j: number): string[][] {
  const chunks: string[][] = [];
  let i = start;
  let k = pat[i] === '!' ? i + 2 : i + 1;
  for (;;) {
    k = indexOfHyphen(pat, k, j);
    if (k < 0) break;
    chunks.push(pat.slice(i, k));
    i = k + 1;
    k += 3;
  }
  const last = pat.slice(i, j);
  if (last.length > 0) chunks.push(last);
  else (chunks.at(-1) as string[]).push('-');
  for (let k2 = chunks.length - 1; k2 > 0; k2 -= 1) {
    const before = chunks[k2 - 1] as string[];
    const after = chunks[k2] as string[];
    if (codePoint(before.at(-1) as string) > codePoint(after[0] as string)) {
      chunks[k2 - 1] = [...before.slice(0, -1), ...after.slice(1)];
      chunks.splice(k2, 1);
    }
  }
  return chunks;
}

/** Python's `str.find('-', from, to)`, on code points. */
function indexOfHyphen(pat: readonly string[], from: number, to: number): number {
  for (let k = from; k < to; k += 1) if (pat[k] === '-') return k;
  return -1;
}

/**
 * Reads `stuff` as Python's `re` parser reads the inside of `[…]` (a leading `^` negates, a `]` before
 * any member is a member, `a-b` is a range, `\x` is the literal x) and writes a JS class whose
 * members are all `\u{…}` escapes, so no JS class syntax can be misread.
 */
function pythonClassToJs(stuff: string): string {
  // eslint-disable-next-line @typescript-eslint/no-misused-spread -- code points, as Python reads them
  const src = [...stuff, ']'];
  let p = 0;
  const peek = (): string | undefined => (src[p] === '\\' ? `\\${src[p + 1] ?? ''}` : src[p]);
  const take = (): string => {
    const token = peek();
    if (token === undefined) throw new Error(`unterminated character set in glob bracket "${stuff}"`);
    p += token.startsWith('\\') ? 2 : 1;
    return token;
  };
  const negate = peek() === '^';
  if (negate) p += 1;
  const members: string[] = [];
  for (;;) {
    const first = take();
    if (first === ']' && members.length > 0) break;
    const lo = literalCodePoint(first);
    if (peek() !== '-') {
      members.push(escapeCodePoint(lo));
      continue;
    }
    p += 1;
    const second = take();
    if (second === ']') {
      members.push(escapeCodePoint(lo), escapeCodePoint(codePoint('-')));
      break;
    }
    const hi = literalCodePoint(second);
    if (hi < lo) throw new Error(`bad character range in glob bracket "${stuff}"`);
    members.push(`${escapeCodePoint(lo)}-${escapeCodePoint(hi)}`);
  }
  return `[${negate ? '^' : ''}${members.join('')}]`;
}

function literalCodePoint(token: string): number {
  return codePoint(token.startsWith('\\') ? token.slice(1) : token);
}

function codePoint(char: string): number {
  return char.codePointAt(0) as number;
}

function escapeCodePoint(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

function escapeLiteral(char: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char;
}

/**
 * Python's `_join_translated_parts`: every interior `*fixed` becomes an atomic, lazy match of the
 * first occurrence of `fixed` (taking the first one never loses a match, because another `*`
 * follows). JS lacks `(?>…)`, so a capturing lookahead plus backreference plays that role; it keeps
 * patterns like `*a*a*a*b` linear-ish instead of exponential on long names.
 */
function joinPieces(pieces: readonly Piece[]): string {
  const out: string[] = [];
  const n = pieces.length;
  let i = 0;
  while (i < n && pieces[i] !== STAR) out.push(pieces[i++] as string);
  let group = 0;
  while (i < n) {
    i += 1; // the STAR
    if (i === n) {
      out.push('.*');
      break;
    }
    const fixed: string[] = [];
    while (i < n && pieces[i] !== STAR) fixed.push(pieces[i++] as string);
    if (i === n) {
      out.push('.*', ...fixed);
    } else {
      group += 1;
      out.push(`(?=(.*?${fixed.join('')}))\\${group}`);
    }
  }
  return out.join('');
}
