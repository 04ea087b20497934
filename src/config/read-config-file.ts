import { readFile } from 'node:fs/promises';
import type { ConfigIssue } from './types.ts';

export type ReadResult = { ok: true; text: string } | { ok: false; issue: ConfigIssue };

/** Reads a config file; a failure is an issue naming the path, never a thrown error. */
export async function readConfigFile(path: string, what: string): Promise<ReadResult> {
  try {
    return { ok: true, text: await readFile(path, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `${what} not found: ${path}`
        : code === 'EISDIR'
          ? `${what} is a directory, not a file: ${path}`
          : code === 'EACCES' || code === 'EPERM'
            ? `cannot read ${what} ${path}: permission denied`
            : `cannot read ${what} ${path}${code ? ` (${code})` : ''}`;
    const issueCode = code === 'ENOENT' ? 'not_found' : 'unreadable';
    return { ok: false, issue: { severity: 'error', code: issueCode, file: path, path: '', message } };
  }
}
