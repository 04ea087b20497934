import type { AuditSink } from './audit/audit-sink.ts';
import type { ServerConfig } from './config/types.ts';
import type { DownstreamProtocol } from './downstream/connection-types.ts';
import { DownstreamPool } from './downstream/pool.ts';
import { ToolArgumentsValidator } from './gateway/args-validator.ts';
import { ToolCatalog } from './gateway/catalog.ts';
import { ToolSearchIndexes } from './gateway/tool-search.ts';
import { GatewayDispatcher } from './gateway/dispatcher.ts';
import { TokenCounter } from './tokens/token-counter.ts';
import { ResourceStack, type Closable } from './lifecycle.ts';
import { createLazyRateLimiter } from './limits/lazy-rate-limiter.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics/metrics.ts';
import { compilePolicy, type CompiledPolicy } from './policy/engine.ts';
import type { PolicyRules } from './policy/types.ts';
import type { ReloadTracker } from './reload-tracker.ts';

export interface GatewayOptions {
  servers: readonly ServerConfig[];
  rules: PolicyRules;
  configPaths: { mcp_config: string; gateway_rules: string };
  debug: boolean;
  defaultAgent: string | undefined;
  initStrategy: 'lazy' | 'eager';
  version: string;
  parentEnv: Readonly<Record<string, string | undefined>>;
  /** false keeps downstream tools/call on the SDK path (GATEWAY_DIRECT_TOOL_CALLS=off). */
  directToolCalls?: boolean;
  /** GATEWAY_DOWNSTREAM_PROTOCOL: how downstream sessions pick a revision (default legacy). */
  downstreamProtocol?: DownstreamProtocol | undefined;
  logger: Logger;
  audit: AuditSink;
  metrics: Metrics;
  reloads: ReloadTracker;
  /** `GATEWAY_REDIS_URL`: rate-limit counters shared by every gateway using it (SPEC §15). */
  redisUrl?: string | undefined;
}

export interface GatewayCloseOptions {
  /** How long in-flight calls may take to finish before everything is closed anyway. */
  drainMs?: number;
  /** Aborted by a second stop signal: stop waiting for in-flight calls. */
  hurry?: AbortSignal;
}

export interface Gateway {
  readonly dispatcher: GatewayDispatcher;
  readonly pool: DownstreamPool;
  /** Aborted when shutdown begins: front ends refuse new sessions and report not ready (§14). */
  readonly stopping: AbortSignal;
  /**
   * Hands a resource to the gateway's one lifetime (DESIGN: one ResourceStack): front ends and
   * the config source are closed, in reverse order of registration, after in-flight calls drain
   * and before the pool, the token counter and the audit log.
   */
  own<T extends Closable>(name: string, resource: T): T;
  /** The rules in force now (the HTTP authenticator reads them on every request, SPEC §13). */
  rules(): PolicyRules;
  /** Swaps the rules for every call that starts from now on (SPEC §12). */
  applyRules(rules: PolicyRules): void;
  /** Diffs the servers: only added, removed and changed ones are touched (SPEC §12). */
  applyServers(servers: readonly ServerConfig[]): void;
  /**
   * Idempotent. Stops accepting calls, lets in-flight ones finish within the deadline (or until
   * `hurry` aborts), then closes everything it owns; a close that fails is logged and the rest
   * still close.
   */
  close(options?: GatewayCloseOptions): Promise<void>;
}

/** How long in-flight calls may take to finish at shutdown before sessions are closed anyway. */
export const DEFAULT_DRAIN_MS = 5000;

/**
 * Closing the resources is bounded apart from the drain: the pool stops each child within ~3 s
 * (stdin end, SIGTERM, SIGKILL, 1 s apart); the bound only guards against a hung remote close.
 */
const RESOURCES_CLOSE_DEADLINE_MS = 10_000;

/** The one composition root (DESIGN rule 2): everything the gateway is made of is wired here. */
export function createGateway(options: GatewayOptions): Gateway {
  const { logger } = options;
  let policy: CompiledPolicy = compilePolicy(options.rules);
  // Closed in reverse order once in-flight calls have drained: sessions, then the token counter,
  // then the audit log, which records calls until the end.
  const resources = new ResourceStack((name, error) =>
    logger.warn({ resource: name, err: error }, 'close failed'),
  );
  const stopping = new AbortController();
  resources.add('audit log', options.audit);
  const tokenCounter = resources.add('token counter', new TokenCounter());
  const pool = resources.add(
    'downstream pool',
    new DownstreamPool(options.servers, {
      logger,
      clientVersion: options.version,
      parentEnv: options.parentEnv,
      directToolCalls: options.directToolCalls ?? true,
      ...(options.downstreamProtocol !== undefined && { protocol: options.downstreamProtocol }),
    }),
  );
  const catalog = new ToolCatalog({ tokenCounter, argsValidator: new ToolArgumentsValidator() });
  const limiter = createLazyRateLimiter({
    logger,
    ...(options.redisUrl !== undefined && { redisUrl: options.redisUrl }),
  });
  resources.add('rate limiter', {
    close: () => {
      limiter.close();
      return Promise.resolve();
    },
  });
  const { metrics } = options;
  const configureMetrics = () =>
    metrics.setConfiguredNames({
      agents: Object.keys(policy.rules.agents),
      servers: pool.all().map((connection) => connection.name),
      isKnownTool: (server, tool) => pool.get(server)?.cachedTools?.byName.has(tool) ?? false,
    });
  configureMetrics();
  metrics.setDownstreamStatus(() =>
    pool
      .all()
      .map((connection) => ({ server: connection.name, up: connection.snapshot().status === 'connected' })),
  );
  const dispatcher = new GatewayDispatcher({
    limiter,
    deps: {
      pool,
      catalog,
      search: new ToolSearchIndexes(),
    },
    currentPolicy: () => policy,
    defaultAgent: options.defaultAgent,
    debug: options.debug,
    audit: options.audit,
    metrics: options.metrics,
    logger,
    status: () => ({
      reload_status: options.reloads.snapshot(),
      policy_state: {
        total_agents: Object.keys(policy.rules.agents).length,
        agent_ids: Object.keys(policy.rules.agents),
        defaults: policy.rules.defaults,
      },
      servers: pool.all().map((connection) => {
        const snapshot = connection.snapshot();
        return {
          name: connection.name,
          status: snapshot.status,
          last_error: snapshot.lastError,
          restarts: snapshot.restarts,
          tool_count: snapshot.toolCount,
          transport: snapshot.transport,
          // The child's pid (stdio) to find it in `ps`; tools/call requests running now, each once.
          pid: snapshot.pid,
          in_flight: snapshot.inFlight,
        };
      }),
      config_paths: options.configPaths,
      metrics: options.metrics.snapshot(),
    }),
  });
  if (options.initStrategy === 'eager') pool.connectAll();

  let closing: Promise<void> | undefined;
  return {
    dispatcher,
    pool,
    stopping: stopping.signal,
    own: (name, resource) => resources.add(name, resource),
    rules: () => policy.rules,
    applyRules(rules) {
      policy = compilePolicy(rules);
      configureMetrics();
    },
    applyServers(servers) {
      const change = pool.apply(servers);
      logger.info(change, 'servers reloaded');
      configureMetrics();
      if (options.initStrategy === 'eager') pool.connectAll();
    },
    close({ drainMs = DEFAULT_DRAIN_MS, hurry } = {}) {
      closing ??= (async () => {
        stopping.abort();
        const deadline = AbortSignal.timeout(drainMs);
        try {
          await dispatcher.drain(hurry ? AbortSignal.any([deadline, hurry]) : deadline);
        } finally {
          await resources.close(RESOURCES_CLOSE_DEADLINE_MS);
        }
      })();
      return closing;
    },
  };
}
