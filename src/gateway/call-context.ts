import type { DownstreamPool } from '../downstream/pool.ts';
import type { CompiledPolicy } from '../policy/engine.ts';
import type { ToolCatalog } from './catalog.ts';
import type { ToolSearchIndexes } from './tool-search.ts';

/** What a handler learned about the call, for its audit line and metrics (SPEC §10, §11). */
export interface CallRecord {
  server?: string;
  tool?: string;
  rule?: string;
  downstreamIsError?: boolean;
}

export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

/**
 * One gateway tool call, resolved once: who calls, under which policy, and how to reach the
 * caller. The policy is the one in force when the call started, so a reload never changes the
 * rules under an in-flight call (SPEC §12).
 */
export interface CallContext {
  agentId: string;
  policy: CompiledPolicy;
  signal: AbortSignal;
  record: CallRecord;
  /** Present when the caller sent a progress token. */
  onProgress?: (update: ProgressUpdate) => void;
}

/** The long-lived parts the handlers use. */
export interface HandlerDeps {
  pool: DownstreamPool;
  catalog: ToolCatalog;
  search: ToolSearchIndexes;
}
