import { createFileAuditSink, createNullAuditSink, resolveAuditPath } from '../audit/audit-sink.ts';
import type { ConfigIssue } from '../config/types.ts';
import { createGateway } from '../gateway-app.ts';
import { createLogger, type Logger } from '../logger.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { formatIssue, ReloadTracker } from '../reload-tracker.ts';
import { startStdioUpstream } from '../upstream/stdio-server.ts';
import { packageVersion } from '../version.ts';
import { readEnvOptions } from './env-options.ts';
import { printIssues, writeLine, type CliIo } from './io.ts';
import { crossFileWarnings, loadRules, loadServers, locateConfigFiles } from './load-config.ts';
import type { Command } from './parse-command.ts';
import { watchConfig } from './watch-config.ts';

/** How long in-flight calls may take to finish at shutdown before sessions are closed anyway. */
const SHUTDOWN_DEADLINE_MS = 5000;

/** `serve` (SPEC §2): the gateway over stdio until stdin closes or SIGINT/SIGTERM arrives. */
export async function runServe(command: Command, io: CliIo): Promise<number> {
  const env = readEnvOptions(io.env);
  if (!env.ok) {
    writeLine(io.stderr, `error: ${env.error}`);
    return 1;
  }
  const options = env.options;
  const logger = createLogger(options.logLevel);
  const locations = locateConfigFiles({
    mcpConfigFlag: command.mcpConfig,
    rulesFlag: command.rules,
    mcpConfigEnv: options.mcpConfig,
    rulesEnv: options.rules,
    cwd: io.cwd,
    home: io.home,
  });
  const self = { execPath: io.execPath, argv: io.processArgv, cwd: io.cwd };
  const [servers, rules] = await Promise.all([
    loadServers(locations.servers, io.env, self),
    loadRules(locations.rules),
  ]);
  if (!servers.ok || !rules.ok) {
    printIssues(io.stderr, [...(servers.ok ? [] : servers.errors), ...(rules.ok ? [] : rules.errors)]);
    return 1;
  }
  logger.info(
    {
      mcp_config: locations.servers.path,
      gateway_rules: locations.rules.path,
      servers: servers.value.servers.length,
    },
    'config loaded',
  );
  const rulesWarnings = [
    ...rules.warnings,
    ...crossFileWarnings(rules.value, servers.value.servers, locations.rules.path),
  ];
  logWarnings(logger, [...servers.warnings, ...rulesWarnings]);
  const reloads = new ReloadTracker();
  reloads.succeeded('mcp_config', servers.warnings);
  reloads.succeeded('gateway_rules', rulesWarnings);

  const auditPath = resolveAuditPath(options.auditLog, io.home);
  const audit =
    auditPath === 'off' ? createNullAuditSink() : createFileAuditSink({ path: auditPath, logger });
  const version = packageVersion();
  const gateway = createGateway({
    servers: servers.value.servers,
    rules: rules.value,
    configPaths: { mcp_config: locations.servers.path, gateway_rules: locations.rules.path },
    debug: command.debug || options.debug,
    defaultAgent: options.defaultAgent,
    initStrategy: options.initStrategy,
    version,
    parentEnv: io.env,
    logger,
    audit,
    metrics: createMetrics(),
    reloads,
  });
  // Loads chokidar in the background (watch-config.ts): it costs the first answer nothing.
  const watcher = watchConfig({
    locations,
    env: io.env,
    self,
    logger,
    reloads,
    initialServers: servers.value.servers,
    initialRules: { rules: rules.value, warnings: rules.warnings },
    onServers: (next) => gateway.applyServers(next),
    onRules: (next) => gateway.applyRules(next),
  });
  const upstream = await startStdioUpstream({ dispatcher: gateway.dispatcher, version, logger });
  logger.info({ version, audit: auditPath }, 'gateway ready on stdio');

  const signals = watchStopSignals(upstream.disconnected, watcher.reloadNow, logger);
  const stop = await signals.stopped;
  logger.info({ reason: stop }, 'shutting down');
  try {
    await watcher.close();
    await gateway.close(SHUTDOWN_DEADLINE_MS, signals.hurry);
    await upstream.close();
  } finally {
    signals.dispose();
  }
  return 0;
}

function logWarnings(logger: Logger, warnings: readonly ConfigIssue[]): void {
  for (const warning of warnings) logger.warn(formatIssue(warning));
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
