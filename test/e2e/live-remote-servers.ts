/**
 * Remote servers that a recovery test can stop and start again on the same port, as a restarted
 * deployment would: the published server-everything in Streamable HTTP mode, and our http
 * fixture. Every process is reaped by `close()` (SIGTERM, then SIGKILL after 2 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { startHttpFixture, type HttpFixture, type HttpFixtureMode } from '../fixtures/spawn-http-fixture.ts';
import { ROOT } from './harness.ts';

export interface RestartableServer {
  url: string;
  pid: number;
  close(): Promise<void>;
}

const KILL_AFTER_MS = 2000;
const EVERYTHING_MAIN = join(
  ROOT,
  'node_modules',
  '@modelcontextprotocol',
  'server-everything',
  'dist',
  'index.js',
);

/** server-everything's Streamable HTTP server on `port` (it answers a stale session with 400). */
export async function startEverythingHttp(port: number): Promise<RestartableServer> {
  const child = spawn(process.execPath, [EVERYTHING_MAIN, 'streamableHttp'], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // It logs every request on stdout: the pipe must be drained, or the server blocks.
  child.stdout?.resume();
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  const listening = new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('listening on port')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server-everything exited (${code}): ${stderr}`)));
  });
  const close = closer(child);
  try {
    await listening;
  } catch (error) {
    await close();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}/mcp`, pid: child.pid!, close };
}

/** Our http fixture on a fixed port, so it can be started again where it was. */
export function startFixtureOnPort(
  mode: HttpFixtureMode,
  port: number,
  env: Record<string, string> = {},
): Promise<HttpFixture> {
  return startHttpFixture({ mode, env, args: ['--port', String(port)] });
}

function closer(child: ChildProcess): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
      await exited;
      clearTimeout(timer);
    })();
    return closing;
  };
}
