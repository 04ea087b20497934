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
  const watcher = watchConfig({
    locations,
    env: io.env,
    self,
    logger,
    reloads,
    initialServers: servers.value.servers,
    onServers: (next) => gateway.applyServers(next),
    onRules: (next) => gateway.applyRules(next),
  });
  const upstream = await startStdioUpstream({ dispatcher: gateway.dispatcher, version, logger });
  logger.info({ version, audit: auditPath }, 'gateway ready on stdio');

  const stop = await waitForStop(upstream.disconnected, watcher.reloadNow);
  logger.info({ reason: stop }, 'shutting down');
  await watcher.close();
  await gateway.close(SHUTDOWN_DEADLINE_MS);
  await upstream.close();
  return 0;
}

function logWarnings(logger: Logger, warnings: readonly ConfigIssue[]): void {
  for (const warning of warnings) logger.warn(formatIssue(warning));
}

/** Resolves with what stopped the gateway; SIGHUP reloads both files instead (SPEC §12). */
function waitForStop(disconnected: Promise<void>, reload: () => void): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', reload);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('SIGHUP', reload);
    void disconnected.then(() => onSignal('stdin closed' as NodeJS.Signals));
  });
}
