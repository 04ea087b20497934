import { createFileAuditSink, createNullAuditSink, resolveAuditPath } from '../audit/audit-sink.ts';
import { openConfigSource } from '../config/source.ts';
import { createGateway } from '../gateway-app.ts';
import { createLogger, type Logger } from '../logger.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { formatIssue } from '../reload-tracker.ts';
import { startStdioUpstream } from '../upstream/stdio-server.ts';
import { packageVersion } from '../version.ts';
import { readEnvOptions } from './env-options.ts';
import { printIssues, type CliIo } from './io.ts';
import type { Command } from './parse-command.ts';

/** How long in-flight calls may take to finish at shutdown before sessions are closed anyway. */
const SHUTDOWN_DEADLINE_MS = 5000;

/** `serve` (SPEC §2): the gateway over stdio until stdin closes or SIGINT/SIGTERM arrives. */
export async function runServe(command: Command, io: CliIo): Promise<number> {
  const env = readEnvOptions(io.env);
  if (!env.ok) {
    printIssues(io.stderr, env.errors);
    return 1;
  }
  const options = env.value;
  const logger = createLogger(options.logLevel);
  const opened = await openConfigSource({
    flags: { mcpConfig: command.mcpConfig, rules: command.rules },
    environment: options,
    variables: io.env,
    cwd: io.cwd,
    home: io.home,
    self: { execPath: io.execPath, argv: io.processArgv, cwd: io.cwd },
    logger,
    // chokidar loads in the background (watch-files.ts): it costs the first answer nothing.
    watch: true,
  });
  if (!opened.ok) {
    printIssues(io.stderr, opened.errors);
    return 1;
  }
  const { source } = opened;
  const { servers, rules } = source.current();
  logger.info({ ...source.paths, servers: servers.length }, 'config loaded');
  for (const warning of [...env.warnings, ...opened.warnings]) logger.warn(formatIssue(warning));

  const auditPath = resolveAuditPath(options.auditLog, io.home);
  const audit =
    auditPath === 'off' ? createNullAuditSink() : createFileAuditSink({ path: auditPath, logger });
  const version = packageVersion();
  const gateway = createGateway({
    servers,
    rules,
    configPaths: source.paths,
    debug: command.debug || options.debug,
    defaultAgent: options.defaultAgent,
    initStrategy: options.initStrategy,
    version,
    parentEnv: io.env,
    logger,
    audit,
    metrics: createMetrics(),
    reloads: source.reloads,
  });
  source.subscribe((change) => {
    if (change.kind === 'servers') gateway.applyServers(change.servers);
    else gateway.applyRules(change.rules);
  });
  const upstream = await startStdioUpstream({ dispatcher: gateway.dispatcher, version, logger });
  logger.info({ version, audit: auditPath }, 'gateway ready on stdio');

  const signals = watchStopSignals(upstream.disconnected, source.reloadNow, logger);
  const stop = await signals.stopped;
  logger.info({ reason: stop }, 'shutting down');
  try {
    await source.close();
    await gateway.close(SHUTDOWN_DEADLINE_MS, signals.hurry);
    await upstream.close();
  } finally {
    signals.dispose();
  }
  return 0;
}

interface StopSignals {
  /** What stopped the gateway: stdin closed, SIGINT or SIGTERM. */
  stopped: Promise<string>;
  /** Aborted by a further SIGINT/SIGTERM during shutdown: stop waiting for in-flight calls. */
  hurry: AbortSignal;
  dispose(): void;
}

/**
 * SIGHUP reloads both files (SPEC §12); the first SIGINT, SIGTERM or stdin EOF stops the gateway.
 * The handlers stay until shutdown is over: a client typically closes stdin and sends SIGTERM a
 * moment later, and the default action of that second signal would kill the gateway before it has
 * stopped its children, which live in their own process groups and would be orphaned.
 */
function watchStopSignals(disconnected: Promise<void>, reload: () => void, logger: Logger): StopSignals {
  const hurry = new AbortController();
  let stopping = false;
  let resolveStopped!: (reason: string) => void;
  const stopped = new Promise<string>((resolve) => (resolveStopped = resolve));
  const stop = (reason: string) => {
    if (!stopping) {
      stopping = true;
      resolveStopped(reason);
      return;
    }
    if (reason === 'stdin closed' || hurry.signal.aborted) return;
    logger.warn({ signal: reason }, 'already shutting down; no longer waiting for in-flight calls');
    hurry.abort();
  };
  const onSignal = (signal: NodeJS.Signals) => stop(signal);
  const onHangup = () => {
    if (!stopping) reload();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onHangup);
  void disconnected.then(() => stop('stdin closed'));
  return {
    stopped,
    hurry: hurry.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onHangup);
    },
  };
}
