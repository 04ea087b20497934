/** The messages between the gateway and its token counter process (token-counter.ts). */

export interface TokenCounterRequest {
  id: number;
  texts: string[];
}

export type TokenCounterReply =
  | { kind: 'counts'; id: number; counts: number[] }
  /** The tokenizer could not be loaded; the process exits next. */
  | { kind: 'failed'; message: string };
