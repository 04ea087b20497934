import type { Logger } from '../logger.ts';
import type { BackoffPolicy } from './backoff.ts';
import type { SessionCallOptions, SessionTransportKind } from './session/session.ts';

/** What `list_servers` and `get_gateway_status` show of a server (SPEC §8). */
export type ConnectionStatus =
  'idle' | 'connecting' | 'connected' | 'reconnecting' | 'unavailable' | 'needs_auth' | 'closed';

export interface ConnectionSnapshot {
  status: ConnectionStatus;
  /** The last failure, kept after a successful reconnect so status can say why it restarted. */
  lastError: string | null;
  /** Tools last listed; kept while a changed list is being fetched again. */
  toolCount: number | null;
  restarts: number;
  pid: number | null;
  transport: SessionTransportKind | null;
  /** tools/call requests running now, each counted once. */
  inFlight: number;
}

export interface CallToolOptions extends SessionCallOptions {
  /** The caller holds the connection already (execute_tool holds it from lookup to answer). */
  held?: boolean;
}

export interface DownstreamConnectionOptions {
  logger: Logger;
  clientVersion: string;
  parentEnv: Readonly<Record<string, string | undefined>>;
  backoff?: BackoffPolicy;
  /**
   * Whether 2025-era sessions (stdio, HTTP, SSE) call tools on the direct path (default true);
   * false sends every tools/call through the SDK client.
   */
  directToolCalls?: boolean;
  /** How sessions choose their protocol revision (GATEWAY_DOWNSTREAM_PROTOCOL); default legacy. */
  protocol?: DownstreamProtocol;
}

/**
 * `legacy`: the 2025 `initialize` handshake, as every session opened before 2026-07-28 existed;
 * `auto`: probe with `server/discover` and fall back to `initialize`; `{ pin }`: that revision or
 * fail. The SDK's `versionNegotiation.mode`, named here so config code needs no SDK import.
 */
export type DownstreamProtocol = 'legacy' | 'auto' | { pin: string };
