import { ProtocolError, ProtocolErrorCode, type CallToolResult } from '@modelcontextprotocol/server';
import type { AuditSink } from '../audit/audit-sink.ts';
import { decisionForOutcome } from '../audit/audit-event.ts';
import { GatewayError, toErrorToolResult } from '../errors.ts';
import { resolveAgent } from '../identity/resolve-agent.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { CompiledPolicy } from '../policy/engine.ts';
import type { CallContext, CallRecord, HandlerDeps, ProgressUpdate } from './call-context.ts';
import { executeTool } from './handlers/execute-tool.ts';
import { gatewayStatus, type StatusSource } from './handlers/gateway-status.ts';
import { getServerTools } from './handlers/get-server-tools.ts';
import { listServers } from './handlers/list-servers.ts';
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
}

export interface UpstreamCall {
  signal: AbortSignal;
  onProgress?: (update: ProgressUpdate) => void;
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
      list_servers: listServers,
      get_server_tools: getServerTools,
      execute_tool: executeTool,
      get_gateway_status: (raw, ctx) => gatewayStatus(raw, ctx, options.status),
    };
  }

  listTools(): GatewayToolDefinition[] {
    return gatewayToolDefinitions(this.#options.debug);
  }

  callTool(name: string, rawArgs: unknown, call: UpstreamCall): Promise<CallToolResult> {
    if (!isGatewayToolName(name) || (name === 'get_gateway_status' && !this.#options.debug)) {
      const known = this.listTools()
        .map((tool) => tool.name)
        .join(', ');
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `unknown tool "${name}"; the gateway's tools are ${known}`,
      );
    }
    const promise = this.#run(name, rawArgs, call);
    this.#inFlight.add(promise);
    void promise.finally(() => this.#inFlight.delete(promise));
    return promise;
  }

  async #run(operation: GatewayToolName, rawArgs: unknown, call: UpstreamCall): Promise<CallToolResult> {
    const started = performance.now();
    const policy = this.#options.currentPolicy();
    const record: CallRecord = {};
    let agentId: string | null = null;
    let source: 'argument' | 'env' | 'default' | null = null;
    let result: CallToolResult;
    let errorCode: GatewayError['code'] | undefined;
    try {
      if (this.#draining) {
        throw new GatewayError('SERVER_UNAVAILABLE', 'the gateway is shutting down; retry after it restarts');
      }
      const identity = resolveAgent({
        agentIdArgument: isRecord(rawArgs) ? rawArgs.agent_id : undefined,
        rules: policy.rules,
        defaultAgentEnv: this.#options.defaultAgent,
      });
      if (!identity.ok) throw identity.error;
      agentId = identity.agentId;
      source = identity.source;
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
        this.#options.logger.error(
          { operation, err: error instanceof Error ? error.message : String(error) },
          'unexpected failure',
        );
      }
      const shaped = toErrorToolResult(error);
      errorCode = shaped.structuredContent.error.code;
      result = shaped;
    }
    const latencyMs = performance.now() - started;
    this.#options.audit.record({
      timestamp: new Date().toISOString(),
      agent_id: agentId,
      identity_source: source,
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
   * Stops accepting calls and waits for the in-flight ones, up to `deadlineMs` (SPEC §12:
   * shutdown lets in-flight calls finish within a deadline).
   */
  async drain(deadlineMs: number): Promise<void> {
    this.#draining = true;
    if (this.#inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
      timer.unref();
    });
    await Promise.race([Promise.allSettled([...this.#inFlight]), deadline]);
    clearTimeout(timer);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
