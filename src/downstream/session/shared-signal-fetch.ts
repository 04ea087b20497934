import { setMaxListeners } from 'node:events';

const raised = new WeakSet<AbortSignal>();

/**
 * `fetch` for the SDK's remote transports. They pass one long-lived AbortSignal (the transport's
 * own, aborted when it closes) to every request, and each request adds an abort listener that is
 * only dropped when the request is garbage-collected: under load Node then prints a
 * MaxListenersExceededWarning per request past 1 500 on stderr, thousands of lines. The listeners
 * are not a leak, so the signal's listener limit is lifted once instead.
 */
export const sharedSignalFetch: typeof fetch = (input, init) => {
  const signal = init?.signal;
  if (signal && !raised.has(signal)) {
    raised.add(signal);
    setMaxListeners(0, signal);
  }
  return fetch(input, init);
};
