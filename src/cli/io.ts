import { homedir } from 'node:os';
import type { Writable } from 'node:stream';
import type { ConfigIssue } from '../config/types.ts';
import { formatIssue } from '../reload-tracker.ts';

/** What a command may touch of the outside world; `main.ts` passes the real process's. */
export interface CliIo {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  home: string;
  stdout: Writable;
  stderr: Writable;
  /** `process.execPath` and `process.argv`, to recognise the gateway's own command line (SPEC §4). */
  execPath: string;
  processArgv: readonly string[];
}

/** The CLI's view of this process: what `main.ts` (and a test's wrapper of it) hands `runCli`. */
export function processIo(): CliIo {
  return {
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    home: homedir(),
    stdout: process.stdout,
    stderr: process.stderr,
    execPath: process.execPath,
    processArgv: process.argv,
  };
}

export function writeLine(stream: Writable, line: string): void {
  stream.write(`${line}\n`);
}

/** `error: <file>: <json path>: <message>`, one line per issue (SPEC §2). */
export function printIssues(stream: Writable, issues: readonly ConfigIssue[]): void {
  for (const issue of issues) writeLine(stream, `${issue.severity}: ${formatIssue(issue)}`);
}
