import type { CallToolResult, LoggingMessageNotification, Tool } from '@modelcontextprotocol/client';

export type SessionTransportKind = 'stdio' | 'http' | 'sse';

export interface CallToolParams {
  name: string;
  arguments?: Record<string, unknown>;
}

export interface SessionCallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Present only when the caller asked for progress; each notification restarts the timeout. */
  onprogress?: (progress: { progress: number; total?: number; message?: string }) => void;
}

/**
 * How a session ended without being closed by its owner. `forgotten`: the server no longer knows
 * the session (it restarted or expired it) but answers, so a reconnect is not a failure to back
 * off from; `unreachable`: the connection was refused or reset, or the event stream dropped;
 * `closed`: the transport closed (a child that exited, a stream that ended).
 */
export type SessionLossKind = 'forgotten' | 'unreachable' | 'closed';

export interface SessionLoss {
  kind: SessionLossKind;
  /** In words for SERVER_UNAVAILABLE and status, secrets already masked. */
  reason: string;
}

/** What a session tells its owner; each fires for the session that is passed. */
export interface SessionListener {
  /** Once, when the session is gone for a reason other than its own close(). */
  lost(session: Session, loss: SessionLoss): void;
  /** `notifications/tools/list_changed`: the cached list is stale. */
  toolsChanged(session: Session): void;
  /** `notifications/message` from the server. */
  log(session: Session, params: LoggingMessageNotification['params']): void;
}

/**
 * One live MCP session with a downstream server, shared by every caller (SPEC §12). It owns its
 * SDK client and transport; the connection above it only keeps the state union and holds.
 */
export interface Session {
  readonly transportKind: SessionTransportKind;
  /** The child's pid for stdio servers. */
  readonly pid: number | undefined;
  /** True when tools/call bypasses the SDK client (a 2025-era session, any transport: the hot path). */
  readonly directToolCalls: boolean;
  /**
   * tools/call; the result is returned exactly as the server sent it. Rejects with what the SDK
   * (or the direct path, with the SDK's error classes) threw: errors.ts classifies it.
   */
  callTool(params: CallToolParams, options: SessionCallOptions): Promise<CallToolResult>;
  /** Every page of `tools/list`, in the server's order. */
  listTools(options: { timeoutMs: number; signal?: AbortSignal }): Promise<Tool[]>;
  /** Why the session ended, once it has: the loss, or the exit code and stderr of a child. */
  closeReason(): string | undefined;
  /** How it was lost, if it was. */
  loss(): SessionLoss | undefined;
  /** Idempotent. */
  close(): Promise<void>;
}
