/**
 * The whole gateway in this process, without a build (DESIGN "Seams", point 4): the composition
 * root `createGateway` with the real config source reading files in a temp dir, the one MCP
 * session factory `createMcpSession` connected to the test's SDK client over the SDK's
 * `InMemoryTransport`, and real downstream fixture servers over stdio. It is a `StartGateway`,
 * so the shared suites (test/e2e/suites/) run against it unchanged.
 *
 * It wires the pieces as `serve` does (src/cli/serve.ts) minus the process: no stdio front end,
 * signals or exit code. What only a spawned process can show (its stdout, its own pid's exit)
 * stays with the spawned-CLI tests. `stderr()` is what the gateway logged; `pid` is this
 * process, whose only children are the gateway's downstream servers.
 */
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createFileAuditSink, createNullAuditSink, resolveAuditPath } from '../../src/audit/audit-sink.ts';
import { readEnvOptions } from '../../src/cli/env-options.ts';
import { parseCommand } from '../../src/cli/parse-command.ts';
import { openConfigSource } from '../../src/config/source.ts';
import { createGateway, type Gateway } from '../../src/gateway-app.ts';
import { createMetrics } from '../../src/metrics/metrics.ts';
import { formatIssue } from '../../src/reload-tracker.ts';
import { createMcpSession } from '../../src/upstream/mcp-session.ts';
import { packageVersion } from '../../src/version.ts';
import {
  readAuditLines,
  writeGatewayFiles,
  type GatewayOptions,
  type RunningGateway,
  type StartGateway,
} from '../e2e/harness.ts';

/** Starts the gateway in-process; `close()` stops its children and removes the temp dir. */
export const startInProcessGateway: StartGateway = async (options: GatewayOptions = {}) => {
  const files = await writeGatewayFiles(options);
  let gateway: Gateway | undefined;
  const cleanUp = async () => {
    await gateway?.close({ drainMs: 0 });
    await rm(files.dir, { recursive: true, force: true });
  };
  try {
    return await start(options, files, (started) => (gateway = started), cleanUp);
  } catch (error) {
    await cleanUp();
    throw error;
  }
};

async function start(
  options: GatewayOptions,
  files: Awaited<ReturnType<typeof writeGatewayFiles>>,
  started: (gateway: Gateway) => void,
  cleanUp: () => Promise<void>,
): Promise<RunningGateway> {
  const parsed = parseCommand([
    '--mcp-config',
    files.serversPath,
    '--rules',
    files.rulesPath,
    ...(options.args ?? []),
  ]);
  if (!parsed.ok) throw new Error(parsed.error);
  const { command } = parsed;
  const variables = files.env;
  const env = readEnvOptions(variables);
  if (!env.ok) throw new Error(env.errors.map(formatIssue).join('\n'));
  const log: string[] = [];
  const logger = pino(
    { level: env.value.logLevel, base: undefined },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        log.push(chunk.toString());
        done();
      },
    }),
  );
  const opened = await openConfigSource({
    flags: { mcpConfig: command.mcpConfig, rules: command.rules },
    environment: env.value,
    variables,
    cwd: files.dir,
    home: files.dir,
    self: { execPath: process.execPath, argv: process.argv, cwd: files.dir },
    logger,
    // Reload tests need a watcher and stay spawned; the suites run here reload nothing.
    watch: false,
  });
  if (!opened.ok) throw new Error(opened.errors.map(formatIssue).join('\n'));
  const { source } = opened;
  for (const warning of [...env.warnings, ...opened.warnings]) logger.warn(formatIssue(warning));
  const auditPath = resolveAuditPath(env.value.auditLog, files.dir);
  const version = packageVersion();
  const { servers, rules } = source.current();
  const gateway = createGateway({
    servers,
    rules,
    configPaths: source.paths,
    debug: command.debug || env.value.debug,
    defaultAgent: env.value.defaultAgent,
    initStrategy: env.value.initStrategy,
    version,
    parentEnv: variables,
    directToolCalls: env.value.directToolCalls,
    downstreamProtocol: env.value.downstreamProtocol,
    redisUrl: env.value.redisUrl,
    logger,
    audit: auditPath === 'off' ? createNullAuditSink() : createFileAuditSink({ path: auditPath, logger }),
    metrics: createMetrics(),
    reloads: source.reloads,
  });
  started(gateway);
  gateway.own('config source', source);
  source.subscribe((change) => {
    if (change.kind === 'servers') gateway.applyServers(change.servers);
    else gateway.applyRules(change.rules);
  });
  const principalName = command.agent ?? env.value.agent;
  const session = createMcpSession({
    dispatcher: gateway.dispatcher,
    version,
    logger,
    session: { id: 'in-process', transport: 'stdio' },
    principal: principalName === undefined ? undefined : { agentId: principalName, source: 'launcher' },
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await session.server.connect(serverSide);
  gateway.own('in-memory front end', { close: () => session.server.close() });
  const client = new Client({ name: 'e2e-in-process', version: '1.0.0' }, options.client);
  await client.connect(clientSide);
  let closing: Promise<void> | undefined;
  return {
    client,
    transport: clientSide,
    dir: files.dir,
    serversPath: files.serversPath,
    rulesPath: files.rulesPath,
    auditPath: files.auditPath,
    pid: process.pid,
    stderr: () => log.join(''),
    call: (name, args = {}) => client.callTool({ name, arguments: args }),
    auditLines: () => readAuditLines(files.auditPath),
    close: () =>
      (closing ??= (async () => {
        await client.close().catch(() => {});
        await cleanUp();
      })()),
  };
}
