import { findJsonSyntaxError } from './json-syntax-error.ts';
import type { ConfigIssue } from './types.ts';

export type JsonParseResult = { ok: true; value: unknown } | { ok: false; issue: ConfigIssue };

/**
 * `JSON.parse` with an error that says where and what, by line and column. V8's own message is never
 * passed on: it may quote the file's text, which may hold a secret (SPEC §5).
 */
export function parseJson(text: string, file: string): JsonParseResult {
  // Editors on Windows may save a byte-order mark, which JSON.parse rejects; it is not content.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    const found = findJsonSyntaxError(body);
    const message = found
      ? `invalid JSON at line ${found.line}, column ${found.column}: ${found.message}`
      : 'invalid JSON';
    return { ok: false, issue: { severity: 'error', code: 'invalid_json', file, path: '', message } };
  }
}
