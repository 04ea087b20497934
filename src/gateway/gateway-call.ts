import type { Principal } from '../identity/principal.ts';
import type { ProgressUpdate } from './call-context.ts';

/** The front end a call came through (audit lines carry it, SPEC §13). */
export type TransportKind = 'stdio' | 'http';

/** The upstream MCP session a call arrived on: progress and cancellation stay within it (§14). */
export interface CallSession {
  id: string;
  transport: TransportKind;
}

/**
 * One gateway tool call as every front end hands it to the dispatcher: who is calling travels on
 * the call, so no handler reads identity out of raw arguments and no front end decides policy.
 */
export interface GatewayCall {
  /** The gateway tool's name, e.g. `execute_tool`. */
  tool: string;
  /** The tool's arguments exactly as received. */
  args: unknown;
  /** The verified caller, when the front end has one (stdio `--agent`, an HTTP credential). */
  principal?: Principal | undefined;
  session: CallSession;
  /** Aborted when the caller cancels or its session goes away. */
  signal: AbortSignal;
  /** Present when the caller sent a progress token. */
  onProgress?: ((update: ProgressUpdate) => void) | undefined;
}

/** What a front end knows of a call besides its name and arguments. */
export type UpstreamCall = Pick<GatewayCall, 'signal' | 'onProgress'>;
