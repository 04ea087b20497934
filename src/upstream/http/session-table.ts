import type { Closable } from '../../lifecycle.ts';

/** What the table needs of an open 2025-era session: a way to end it. */
export interface HttpSession extends Closable {
  readonly id: string;
  /** The agent whose credential opened it; `null` without credentials (SPEC §7 identities). */
  readonly principal: string | null;
}

export interface SessionTableOptions<S extends HttpSession> {
  /** Closed after this long without a request (SPEC §14, GATEWAY_HTTP_SESSION_IDLE_MS). */
  idleMs: number;
  /**
   * Open sessions one principal may hold; the oldest idle one makes room for a new one. Sessions
   * without a principal (no credentials configured, loopback only) are not capped.
   */
  maxPerPrincipal: number;
  /** How often idle sessions are looked for; default a tenth of `idleMs`, at most 30 s. */
  sweepMs?: number;
  now?: () => number;
  onClosed?: (session: S, reason: 'idle' | 'cap') => void;
}

interface Entry<S extends HttpSession> {
  session: S;
  lastActive: number;
  /** Requests in progress on it (POST, DELETE); a session busy with a call is never idle. */
  busy: number;
}

/**
 * The open 2025-era sessions of the HTTP front end, by id. Idleness counts from the last request
 * that started or ended; a standalone GET stream is a listening channel, not activity, or every
 * client that opens one (the SDK clients do) would keep its session forever. The sweep timer is
 * unref'd and ends with `close()`.
 */
export class SessionTable<S extends HttpSession> implements Closable {
  readonly #entries = new Map<string, Entry<S>>();
  readonly #options: SessionTableOptions<S>;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout;
  #closed = false;

  constructor(options: SessionTableOptions<S>) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const sweepMs = options.sweepMs ?? Math.max(10, Math.min(30_000, Math.floor(options.idleMs / 10)));
    this.#timer = setInterval(() => this.sweep(), sweepMs).unref();
  }

  get size(): number {
    return this.#entries.size;
  }

  get(id: string): S | undefined {
    return this.#entries.get(id)?.session;
  }

  /**
   * Registers a new session; when its principal already holds the maximum, closes the one idle
   * longest (a busy one only when all are busy) so the newcomer fits.
   */
  add(session: S): void {
    // Without credentials there is no principal to count for; idle expiry still bounds the table.
    const own =
      session.principal === null
        ? []
        : [...this.#entries.values()].filter((entry) => entry.session.principal === session.principal);
    if (own.length >= this.#options.maxPerPrincipal) {
      const oldest = own.sort(
        (a, b) => Number(a.busy > 0) - Number(b.busy > 0) || a.lastActive - b.lastActive,
      );
      for (const entry of oldest.slice(0, own.length - this.#options.maxPerPrincipal + 1)) {
        this.#evict(entry, 'cap');
      }
    }
    this.#entries.set(session.id, { session, lastActive: this.#now(), busy: 0 });
  }

  /** Marks a request on `id` in progress until the returned function is called. */
  begin(id: string): () => void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return () => {};
    entry.busy += 1;
    entry.lastActive = this.#now();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      entry.busy -= 1;
      entry.lastActive = this.#now();
    };
  }

  /** Forgets `id` (its transport closed); the session is not closed again. */
  remove(id: string): void {
    this.#entries.delete(id);
  }

  /** Closes every session idle for longer than the limit; their ids then get 404. */
  sweep(): void {
    const cutoff = this.#now() - this.#options.idleMs;
    for (const entry of [...this.#entries.values()]) {
      if (entry.busy === 0 && entry.lastActive <= cutoff) this.#evict(entry, 'idle');
    }
  }

  #evict(entry: Entry<S>, reason: 'idle' | 'cap'): void {
    this.#entries.delete(entry.session.id);
    this.#options.onClosed?.(entry.session, reason);
    void entry.session.close().catch(() => {});
  }

  /** Idempotent: stops the sweep and closes every open session. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    const sessions = [...this.#entries.values()].map((entry) => entry.session);
    this.#entries.clear();
    await Promise.allSettled(sessions.map((session) => session.close()));
  }
}
