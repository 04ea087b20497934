import { ProtocolError, ProtocolErrorCode, type CallToolResult } from '@modelcontextprotocol/server';
import type { AuditSink } from '../audit/audit-sink.ts';
import { decisionForOutcome } from '../audit/audit-event.ts';
import { GatewayError, toErrorToolResult } from '../errors.ts';
import { resolveAgent, truncate, type IdentitySource } from '../identity/resolve-agent.ts';
import { untilAborted } from '../lifecycle.ts';
import { rateLimitedError } from '../limits/rate-limited-error.ts';
import type { RateLimiter } from '../limits/rate-limiter.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { CompiledPolicy } from '../policy/engine.ts';
import type { CallContext, CallRecord, HandlerDeps } from './call-context.ts';
import type { GatewayCall } from './gateway-call.ts';
import { executeTool } from './handlers/execute-tool.ts';
import { gatewayStatus, type StatusSource } from './handlers/gateway-status.ts';
import { getServerTools } from './handlers/get-server-tools.ts';
import { listServers } from './handlers/list-servers.ts';
import { searchTools } from './handlers/search-tools.ts';
import {
  gatewayToolDefinitions,
  isGatewayToolName,
  type GatewayToolDefinition,
  type GatewayToolName,
} from './tool-definitions.ts';

export interface GatewayDispatcherOptions {
  deps: HandlerDeps;
  /** The policy in force now; a reload swaps what this returns. */
  currentPolicy: () => CompiledPolicy;
  /** GATEWAY_DEFAULT_AGENT, read once at start-up (SPEC §7). */
  defaultAgent: string | undefined;
  debug: boolean;
  audit: AuditSink;
  metrics: Metrics;
  status: StatusSource;
  logger: Logger;
  /** Per-agent call limits (SPEC §15), counted over every gateway tool call. */
  limiter: RateLimiter;
}

type Handler = (
  raw: unknown,
  ctx: CallContext,
  deps: HandlerDeps,
) => CallToolResult | Promise<CallToolResult>;

/**
 * Turns one upstream `tools/call` into a gateway operation: resolve the agent once, run the
 * handler, and record exactly one audit line and one metrics sample, whatever the outcome.
 * This is the one place where errors become tool results (DESIGN rule 4).
 */
export class GatewayDispatcher {
  readonly #options: GatewayDispatcherOptions;
  readonly #handlers: Record<GatewayToolName, Handler>;
  readonly #inFlight = new Set<Promise<unknown>>();
  #draining = false;

  constructor(options: GatewayDispatcherOptions) {
    this.#options = options;
    this.#handlers = {
      search_tools: searchTools,
      list_servers: listServers,
      get_server_tools: getServerTools,
      execute_tool: executeTool,
      get_gateway_status: (raw, ctx) => gatewayStatus(raw, ctx, options.status),
    };
  }

  listTools(): GatewayToolDefinition[] {
    return gatewayToolDefinitions(this.#options.debug);
  }

  callTool(call: GatewayCall): Promise<CallToolResult> {
    const name = call.tool;
    if (!isGatewayToolName(name) || (name === 'get_gateway_status' && !this.#options.debug)) {
      const known = this.listTools()
        .map((tool) => tool.name)
        .join(', ');
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `unknown tool "${name}"; the gateway's tools are ${known}`,
      );
    }
    const promise = this.#run(name, call);
    this.#inFlight.add(promise);
    void promise.finally(() => this.#inFlight.delete(promise));
    return promise;
  }

  async #run(operation: GatewayToolName, call: GatewayCall): Promise<CallToolResult> {
    const started = performance.now();
    const policy = this.#options.currentPolicy();
    const rawArgs = call.args;
    const record: CallRecord = {};
    let agentId: string | null = null;
    let source: IdentitySource | null = null;
    let result: CallToolResult;
    let errorCode: GatewayError['code'] | undefined;
    let release: (() => void) | undefined;
    try {
      if (this.#draining) {
        throw new GatewayError('SERVER_UNAVAILABLE', 'the gateway is shutting down; retry after it restarts');
      }
      // The only read of agent_id: identity is decided here, once, for every front end.
      const identity = resolveAgent({
        principal: call.principal,
        agentIdArgument: isRecord(rawArgs) ? rawArgs.agent_id : undefined,
        rules: policy.rules,
        defaultAgentEnv: this.#options.defaultAgent,
      });
      if (!identity.ok) {
        // The audit line records what was attempted (truncated, as the error shows it).
        agentId = identity.error.details.agent_id ?? null;
        recordTarget(record, rawArgs);
        throw identity.error;
      }
      agentId = identity.agentId;
      source = identity.source;
      // Counted per effective agent before any work; an agent without limits takes no await.
      const limits = policy.rules.agents[agentId]?.limits;
      if (limits !== undefined) {
        const acquired = await this.#options.limiter.acquire(agentId, limits);
        if (!acquired.ok) throw rateLimitedError(agentId, acquired);
        release = acquired.release;
      }
      const ctx: CallContext = {
        agentId,
        policy,
        signal: call.signal,
        record,
        ...(call.onProgress && { onProgress: call.onProgress }),
      };
      result = await this.#handlers[operation](rawArgs, ctx, this.#options.deps);
    } catch (error) {
      if (!(error instanceof GatewayError)) {
        // A fault of ours (SPEC §9 INTERNAL_ERROR): the stack goes to stderr, never to the caller.
        this.#options.logger.error({ operation, err: error }, 'unexpected failure');
      } else if (error.code === 'INTERNAL_ERROR') {
        this.#options.logger.error({ operation, err: error.cause ?? error }, 'internal error');
      }
      const shaped = toErrorToolResult(error);
      errorCode = shaped.structuredContent.error.code;
      result = shaped;
    } finally {
      release?.();
    }
    const latencyMs = performance.now() - started;
    this.#options.audit.record({
      timestamp: new Date().toISOString(),
      agent_id: agentId,
      identity_source: source,
      principal: call.principal?.agentId ?? null,
      transport: call.session.transport,
      operation,
      server: record.server ?? null,
      tool: record.tool ?? null,
      decision: decisionForOutcome(errorCode),
      error_code: errorCode ?? null,
      rule: record.rule ?? null,
      latency_ms: latencyMs,
      downstream_is_error: record.downstreamIsError ?? null,
    });
    this.#options.metrics.record({
      agentId,
      server: record.server ?? null,
      tool: record.tool ?? null,
      operation,
      latencyMs,
      ...(errorCode !== undefined && { errorCode }),
    });
    return result;
  }

  /**
   * Stops accepting calls and waits for the in-flight ones until `signal` aborts (SPEC §12:
   * shutdown lets in-flight calls finish within a deadline; the owner's signal carries it).
   */
  async drain(signal: AbortSignal): Promise<void> {
    this.#draining = true;
    if (this.#inFlight.size === 0 || signal.aborted) return;
    await Promise.race([Promise.allSettled([...this.#inFlight]), untilAborted(signal)]);
  }
}

/** The server and tool a refused call asked for, as strings the audit line can hold. */
function recordTarget(record: CallRecord, rawArgs: unknown): void {
  if (!isRecord(rawArgs)) return;
  if (typeof rawArgs.server === 'string') record.server = truncate(rawArgs.server);
  if (typeof rawArgs.tool === 'string') record.tool = truncate(rawArgs.tool);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
