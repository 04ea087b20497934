/**
 * A real `redis-server` for tests (SPEC §15): one per caller, on a free loopback port, with no
 * persistence, so no test shares state with another or leaves a dump file behind. `stop()` is
 * idempotent and leaves no process; `kill()` simulates an outage; `start()` again brings it back on
 * the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { waitForExit } from './processes.ts';

export const REDIS_SERVER = '/usr/bin/redis-server';

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** (Re)starts the server on `port` and resolves once it answers PING. */
  start(): Promise<void>;
  /** SIGKILL, as an outage: clients see the connection drop. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Why Redis tests cannot run here, or undefined when they can. */
export function redisUnavailableReason(): string | undefined {
  return existsSync(REDIS_SERVER)
    ? undefined
    : `${REDIS_SERVER} is not installed (apt-get install redis-server)`;
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let stderr = '';

  async function end(signal: NodeJS.Signals): Promise<void> {
    const current = child;
    child = undefined;
    if (current?.pid === undefined || current.exitCode !== null) return;
    current.kill(signal);
    if (!(await waitForExit(current.pid, 5000))) current.kill('SIGKILL');
    await waitForExit(current.pid, 5000);
  }

  const redis: TestRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      await end('SIGKILL');
      stderr = '';
      const started = spawn(
        REDIS_SERVER,
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--loglevel',
          'warning',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      started.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child = started;
      const deadline = Date.now() + 10_000;
      while (!(await answersPing(port))) {
        if (started.exitCode !== null || Date.now() > deadline) {
          await end('SIGKILL');
          throw new Error(`redis-server did not start on port ${port}: ${stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
  await redis.start();
  return redis;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
