import { createFileAuditSink, createNullAuditSink, resolveAuditPath } from '../audit/audit-sink.ts';
import { credentialsConfigured as credentialsConfiguredIn } from '../auth/credentials-configured.ts';
import { openConfigSource, type ConfigSource } from '../config/source.ts';
import type { ServerConfig } from '../config/types.ts';
import { createGateway, type Gateway } from '../gateway-app.ts';
import { createLogger, type Logger } from '../logger.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { formatIssue } from '../reload-tracker.ts';
import type { Authenticate } from '../upstream/http/authenticate.ts';
import { startStdioUpstream } from '../upstream/stdio-server.ts';
import { packageVersion } from '../version.ts';
import { readEnvOptions } from './env-options.ts';
import { printIssues, writeLine, type CliIo } from './io.ts';
import type { Command } from './parse-command.ts';

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
  // As validate does (SPEC §16): an OAuth server without a stored login is said at start-up, in
  // the background, so reading the token store never delays the first answer.
  void warnAboutMissingLogins(servers, source.paths.mcp_config, io, logger);
  // SPEC §14: HTTP settings are checked before anything starts; credentials decide what may bind.
  const credentials = command.http && credentialsConfiguredIn(rules);
  // The HTTP front end (with hono and the SDK's node adapter) loads only for `--http`.
  const httpServe = command.http ? await import('./serve-http.ts') : undefined;
  const http = httpServe?.planHttpServe(command, options.http, credentials);
  if (http !== undefined && !http.ok) {
    await source.close();
    writeLine(io.stderr, `error: ${http.error}`);
    return 1;
  }

  const auditPath = resolveAuditPath(options.auditLog, io.home);
  const audit =
    auditPath === 'off' ? createNullAuditSink() : createFileAuditSink({ path: auditPath, logger });
  const version = packageVersion();
  const principalName = command.agent ?? options.agent;
  const metrics = createMetrics();
  const gateway = createGateway({
    servers,
    rules,
    configPaths: source.paths,
    debug: command.debug || options.debug,
    defaultAgent: options.defaultAgent,
    initStrategy: options.initStrategy,
    version,
    parentEnv: io.env,
    directToolCalls: options.directToolCalls,
    downstreamProtocol: options.downstreamProtocol,
    redisUrl: options.redisUrl,
    logger,
    audit,
    metrics,
    reloads: source.reloads,
  });
  // From here on the gateway owns everything it runs; the one finally below closes all of it,
  // whatever throws on the way (DESIGN: one lifetime).
  const signals = watchStopSignals(logger);
  try {
    gateway.own('config source', source);
    source.subscribe((change) => {
      if (change.kind === 'servers') gateway.applyServers(change.servers);
      else gateway.applyRules(change.rules);
    });
    signals.onReload(() => source.reloadNow());
    if (http !== undefined && httpServe !== undefined) {
      const authenticate = credentials ? await httpAuthenticator(gateway, logger) : undefined;
      if (!credentials) warnWhenCredentialsAppear(source, logger);
      await httpServe.startHttpServe(http.options, {
        gateway,
        version,
        logger,
        metrics,
        authenticate,
        directToolCalls: options.directToolCalls,
      });
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

async function warnAboutMissingLogins(
  servers: readonly ServerConfig[],
  file: string,
  io: CliIo,
  logger: Logger,
): Promise<void> {
  if (!servers.some((server) => server.transport !== 'stdio')) return;
  try {
    const { storedLoginWarnings } = await import('../downstream/oauth/login-status.ts');
    for (const warning of await storedLoginWarnings(servers, file, io.env, io.home))
      logger.warn(formatIssue(warning));
  } catch (error) {
    logger.warn({ err: error }, 'could not read the OAuth token store');
  }
}

/** The HTTP front end's credential check (SPEC §13): API keys and JWTs against the rules in force. */
async function httpAuthenticator(gateway: Gateway, logger: Logger): Promise<Authenticate> {
  const { createAuthenticator } = await import('../auth/authenticator.ts');
  const authenticator = createAuthenticator({ getRules: () => gateway.rules(), logger });
  return async (header) => {
    const outcome = await authenticator.authenticate(header);
    if (outcome.ok) return { ok: true, principal: outcome.principal };
    return {
      ok: false,
      status: outcome.status,
      reason: outcome.reason,
      wwwAuthenticate: authenticator.wwwAuthenticate(outcome),
    };
  };
}

/**
 * Whether HTTP authenticates is decided at start-up, with the bind it allows (SPEC §14): a reload
 * that adds the first credential to a gateway started without any is said loudly, not silently
 * half-applied.
 */
function warnWhenCredentialsAppear(source: ConfigSource, logger: Logger): void {
  let warned = false;
  source.subscribe((change) => {
    if (warned || change.kind !== 'rules' || !credentialsConfiguredIn(change.rules)) return;
    warned = true;
    logger.warn(
      'credentials were added to the rules, but this gateway started without any: HTTP requests stay unauthenticated until it is restarted',
    );
  });
}

async function stopWhenSignalled(signals: StopSignals, logger: Logger): Promise<number> {
  const stop = await signals.stopped;
  logger.info({ reason: stop.reason }, 'shutting down');
  return stop.failed ? 1 : 0;
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
