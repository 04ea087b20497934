/**
 * The HTTP front end under test, two ways. In-process: the real gateway (createGateway, the pool,
 * real fixture servers as child processes) behind startHttpUpstream on a loopback port, with a
 * small real credential check (a fixed key → agent map that also refuses agents the current rules
 * lack), for the auth and session suites. Spawned: the built CLI, `dist/main.js serve --http
 * --port 0`, for what only a real process shows (exit codes, signals, orphans). Both clean up
 * everything they start.
 */
import { Client as ModernClient } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createFileAuditSink } from '../../src/audit/audit-sink.ts';
import { parseRulesConfig } from '../../src/config/load-rules.ts';
import { parseServersConfig } from '../../src/config/load-servers.ts';
import { createGateway, type Gateway } from '../../src/gateway-app.ts';
import { createMetrics } from '../../src/metrics/metrics.ts';
import type { PolicyRules } from '../../src/policy/types.ts';
import { ReloadTracker } from '../../src/reload-tracker.ts';
import type { Authenticate } from '../../src/upstream/http/authenticate.ts';
import {
  startHttpUpstream,
  type HttpUpstream,
  type HttpUpstreamOptions,
} from '../../src/upstream/http/http-server.ts';
import { GATEWAY_MAIN } from '../e2e/harness.ts';

export const MODERN_PROTOCOL = '2026-07-28';

/**
 * A small real credential check: `Bearer <key>` for a key of `keys`, whose agent the rules still
 * define. Test-only: the product's checker compares key hashes in constant time (SPEC §13).
 */
export function keyAuthenticator(keys: () => Record<string, string>, rules: () => PolicyRules): Authenticate {
  const challenge = 'Bearer realm="agent-mcp-gateway"';
  return (authorization) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (match?.[1] === undefined) {
      return Promise.resolve({
        ok: false,
        status: 401,
        reason: 'missing bearer credential',
        wwwAuthenticate: challenge,
      });
    }
    const agent = Object.hasOwn(keys(), match[1]) ? keys()[match[1]] : undefined;
    if (agent === undefined || !Object.hasOwn(rules().agents, agent)) {
      return Promise.resolve({
        ok: false,
        status: 401,
        reason: 'invalid bearer credential',
        wwwAuthenticate: `${challenge}, error="invalid_token"`,
      });
    }
    return Promise.resolve({ ok: true, principal: agent });
  };
}

export interface InProcessOptions {
  servers: Record<string, unknown>;
  rules: unknown;
  /** key → agent; turns credentials on. */
  keys?: Record<string, string>;
  http?: Partial<
    Pick<
      HttpUpstreamOptions,
      | 'allowedOrigins'
      | 'maxBodyBytes'
      | 'sessionIdleMs'
      | 'maxSessionsPerPrincipal'
      | 'metricsPublic'
      | 'directToolCalls'
    >
  >;
}

export interface InProcessHttpGateway {
  url: string;
  gateway: Gateway;
  upstream: HttpUpstream;
  /** Every log line so far (pino JSON). */
  logs(): string;
  /** Audit lines written so far (flushed first), parsed. */
  auditLines(): Promise<Record<string, unknown>[]>;
  /** A hot reload of the rules file (SPEC §12) with this content. */
  reloadRules(rules: unknown): void;
  close(): Promise<void>;
}

export async function startInProcessHttpGateway(options: InProcessOptions): Promise<InProcessHttpGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-http-'));
  let logs = '';
  const logger = pino({ level: 'debug', base: undefined }, { write: (line: string) => void (logs += line) });
  const servers = parseServersConfig(
    JSON.stringify({ mcpServers: options.servers }),
    'servers.json',
    process.env,
  );
  if (!servers.ok) throw new Error(JSON.stringify(servers.errors));
  let rules = parseRulesOrThrow(options.rules);
  const auditPath = join(dir, 'audit.jsonl');
  const audit = createFileAuditSink({ path: auditPath, logger });
  const gateway = createGateway({
    servers: servers.value.servers,
    rules,
    configPaths: { mcp_config: 'servers.json', gateway_rules: 'rules.json' },
    debug: false,
    defaultAgent: undefined,
    initStrategy: 'lazy',
    version: '0.0.0-test',
    parentEnv: process.env,
    logger,
    audit,
    metrics: createMetrics(),
    reloads: new ReloadTracker(),
  });
  const keys = options.keys;
  const upstream = gateway.own(
    'http front end',
    await startHttpUpstream({
      dispatcher: gateway.dispatcher,
      version: '0.0.0-test',
      logger,
      host: '127.0.0.1',
      port: 0,
      stopping: gateway.stopping,
      authenticate:
        keys === undefined
          ? undefined
          : keyAuthenticator(
              () => keys,
              () => rules,
            ),
      allowedOrigins: [],
      maxBodyBytes: 4 * 1024 * 1024,
      sessionIdleMs: 30 * 60_000,
      metricsPublic: false,
      metricsText: () => '# metrics\n',
      ...options.http,
    }),
  );
  return {
    url: upstream.url,
    gateway,
    upstream,
    logs: () => logs,
    auditLines: async () => {
      await audit.flush();
      return parseLines(await readFile(auditPath, 'utf8').catch(() => ''));
    },
    reloadRules(next) {
      rules = parseRulesOrThrow(next);
      gateway.applyRules(rules);
    },
    close: async () => {
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function parseRulesOrThrow(value: unknown): PolicyRules {
  const parsed = parseRulesConfig(JSON.stringify(value), 'rules.json');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
}

function parseLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function bearer(key: string | undefined): Record<string, string> {
  return key === undefined ? {} : { authorization: `Bearer ${key}` };
}

/** A 2025-era client: the v1 SDK's Streamable HTTP transport (initialize, Mcp-Session-Id). */
export async function connectV1(
  url: string,
  key?: string,
): Promise<{ client: V1Client; transport: V1Transport }> {
  const transport = new V1Transport(new URL(url), { requestInit: { headers: bearer(key) } });
  const client = new V1Client({ name: 'http-e2e-v1', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

/** A 2026-07-28 client: the v2 SDK pinned to the modern era (server/discover, stateless requests). */
export async function connectModern(url: string, key?: string): Promise<ModernClient> {
  const client = new ModernClient(
    { name: 'http-e2e-modern', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: MODERN_PROTOCOL } } },
  );
  await client.connect(new ModernTransport(new URL(url), { requestInit: { headers: bearer(key) } }));
  return client;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * A raw /mcp request with full control of headers (fetch forbids setting Host), by default a POST
 * that accepts both JSON and SSE; the whole answer body is read.
 */
export function raw(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    chunked?: boolean;
  } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    if (options.chunked === true && options.body !== undefined) {
      // Without Content-Length: the limit must hold while the body streams in.
      const body = Buffer.from(options.body);
      for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

export interface SpawnedHttpGateway {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  url: string;
  dir: string;
  stderr(): string;
  auditLines(): Promise<Record<string, unknown>[]>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, SIGKILL after 10 s; removes the temp dir. Idempotent. */
  close(): Promise<void>;
}

export interface SpawnOptions {
  servers: Record<string, unknown>;
  rules: unknown;
  args?: string[];
  env?: Record<string, string>;
}

/** Writes both files into a temp dir and runs the CLI with `args` (default `serve --http --port 0`). */
export async function writeConfig(options: SpawnOptions): Promise<{ dir: string; configArgs: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-http-cli-'));
  await writeFile(join(dir, '.mcp.json'), JSON.stringify({ mcpServers: options.servers }));
  await writeFile(join(dir, '.mcp-gateway-rules.json'), JSON.stringify(options.rules));
  return {
    dir,
    configArgs: ['--mcp-config', join(dir, '.mcp.json'), '--rules', join(dir, '.mcp-gateway-rules.json')],
  };
}

/** The built CLI serving HTTP on a free port; resolves once it logged its address. */
export async function spawnHttpGateway(options: SpawnOptions): Promise<SpawnedHttpGateway> {
  const { dir, configArgs } = await writeConfig(options);
  const auditPath = join(dir, 'audit.jsonl');
  const child = spawn(
    process.execPath,
    [GATEWAY_MAIN, ...(options.args ?? ['serve', '--http', '--port', '0']), ...configArgs],
    {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, GATEWAY_AUDIT_LOG: auditPath, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const line = stderr.split('\n').find((text) => text.includes('"gateway ready on http"'));
      if (line !== undefined) resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then((exit) =>
      reject(new Error(`gateway exited before ready: ${JSON.stringify(exit)}\n${stderr}`)),
    );
  });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    })());
  let url: string;
  try {
    url = await ready;
  } catch (error) {
    await close();
    throw error;
  }
  return {
    child,
    pid: child.pid!,
    url,
    dir,
    stderr: () => stderr,
    auditLines: async () => parseLines(await readFile(auditPath, 'utf8').catch(() => '')),
    exited,
    close,
  };
}
