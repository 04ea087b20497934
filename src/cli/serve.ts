import { createFileAuditSink, createNullAuditSink, resolveAuditPath } from '../audit/audit-sink.ts';
import type { ConfigIssue } from '../config/types.ts';
import { createGateway } from '../gateway-app.ts';
import { createLogger, type Logger } from '../logger.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { formatIssue, ReloadTracker } from '../reload-tracker.ts';
import { startStdioUpstream } from '../upstream/stdio-server.ts';
import { packageVersion } from '../version.ts';
import { readEnvOptions } from './env-options.ts';
import { planHttpServe, startHttpServe } from './serve-http.ts';
import { printIssues, writeLine, type CliIo } from './io.ts';
import { crossFileWarnings, loadRules, loadServers, locateConfigFiles } from './load-config.ts';
import type { Command } from './parse-command.ts';
import { watchConfig } from './watch-config.ts';

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
  // SPEC §14: HTTP settings are checked before anything starts. Credentials: the principals work wires them.
  const http = command.http ? planHttpServe(command, options.http, false) : undefined;
  if (http !== undefined && !http.ok) {
    writeLine(io.stderr, `error: ${http.error}`);
    return 1;
  }
  const reloads = new ReloadTracker();
  reloads.succeeded('mcp_config', servers.warnings);
  reloads.succeeded('gateway_rules', rulesWarnings);

  const auditPath = resolveAuditPath(options.auditLog, io.home);
  const audit =
    auditPath === 'off' ? createNullAuditSink() : createFileAuditSink({ path: auditPath, logger });
  const version = packageVersion();
  const principalName = command.agent ?? options.agent;
  const metrics = createMetrics();
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
    metrics,
    reloads,
  });
  // From here on the gateway owns everything it runs; the one finally below closes all of it,
  // whatever throws on the way (DESIGN: one lifetime).
  const signals = watchStopSignals(logger);
  try {
    // Loads chokidar in the background (watch-config.ts): it costs the first answer nothing.
    const watcher = gateway.own(
      'config watcher',
      watchConfig({
        locations,
        env: io.env,
        self,
        logger,
        reloads,
        initialServers: servers.value.servers,
        initialRules: { rules: rules.value, warnings: rules.warnings },
        onServers: (next) => gateway.applyServers(next),
        onRules: (next) => gateway.applyRules(next),
      }),
    );
    signals.onReload(() => watcher.reloadNow());
    if (http !== undefined) {
      await startHttpServe(http.options, { gateway, version, logger, metrics });
      return await stopWhenSignalled(signals, logger);
    }
    const upstream = gateway.own(
      'stdio front end',
      await startStdioUpstream({
        dispatcher: gateway.dispatcher,
        version,
        logger,
        principal: principalName === undefined ? undefined : { agentId: principalName, source: 'launcher' },
        directToolCalls: options.directToolCalls,
      }),
    );
    void upstream.disconnected.then(() => signals.stop('stdin closed'));
    logger.info({ version, audit: auditPath, principal: principalName ?? null }, 'gateway ready on stdio');
    return await stopWhenSignalled(signals, logger);
  } finally {
    await gateway.close({ hurry: signals.hurry });
    signals.dispose();
  }
}

async function stopWhenSignalled(signals: StopSignals, logger: Logger): Promise<number> {
  const stop = await signals.stopped;
  logger.info({ reason: stop.reason }, 'shutting down');
  return stop.failed ? 1 : 0;
}

function logWarnings(logger: Logger, warnings: readonly ConfigIssue[]): void {
  for (const warning of warnings) logger.warn(formatIssue(warning));
}

interface StopSignals {
  /** What stopped the gateway: stdin closed, SIGINT, SIGTERM, or a fault of ours (`failed`). */
  stopped: Promise<{ reason: string; failed: boolean }>;
  /** Aborted by a further SIGINT/SIGTERM during shutdown: stop waiting for in-flight calls. */
  hurry: AbortSignal;
  stop(reason: string): void;
  onReload(reload: () => void): void;
  dispose(): void;
}

/**
 * SIGHUP reloads both files (SPEC §12); the first SIGINT, SIGTERM or stdin EOF stops the gateway.
 * The handlers stay until shutdown is over: a client typically closes stdin and sends SIGTERM a
 * moment later, and the default action of that second signal would kill the gateway before it has
 * stopped its children, which live in their own process groups and would be orphaned.
 *
 * An uncaught exception or unhandled rejection is a bug of ours: it is logged with its stack, and
 * the gateway shuts down as for SIGTERM (children stopped, no orphan) and exits 1, instead of
 * Node's default exit that would leave every child process behind.
 */
function watchStopSignals(logger: Logger): StopSignals {
  const hurry = new AbortController();
  let stopping = false;
  let reload: () => void = () => {};
  let resolveStopped!: (stop: { reason: string; failed: boolean }) => void;
  const stopped = new Promise<{ reason: string; failed: boolean }>((resolve) => (resolveStopped = resolve));
  const stop = (reason: string, failed = false) => {
    if (!stopping) {
      stopping = true;
      resolveStopped({ reason, failed });
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
  const onFault = (error: unknown) => {
    logger.fatal({ err: error }, 'uncaught failure; shutting down');
    stop('uncaught failure', true);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onHangup);
  process.on('uncaughtException', onFault);
  process.on('unhandledRejection', onFault);
  return {
    stopped,
    hurry: hurry.signal,
    stop,
    onReload(next) {
      reload = next;
    },
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onHangup);
      process.off('uncaughtException', onFault);
      process.off('unhandledRejection', onFault);
    },
  };
}
