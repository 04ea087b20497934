/**
 * The token counter's child process (see token-counter.ts): loads the o200k tokenizer and answers
 * each `{id, texts}` with `{id, counts}` over the IPC channel. It exits when the gateway
 * disconnects: at the gateway's idle timeout or close, or when the gateway dies (the channel
 * closes with it), so it is never orphaned. Nothing goes to stdout. A tokenizer that cannot be
 * loaded is reported as a message before the process exits with code 1.
 */
import type { TokenCounterReply, TokenCounterRequest } from './token-counter-protocol.ts';

type CountTokens = (text: string) => number;

/** gpt-tokenizer's o200k (SPEC §8); the tests pass another module to make the process fail. */
const tokenizerModule = process.argv[2] ?? 'gpt-tokenizer/encoding/o200k_base';

const send = (reply: TokenCounterReply, then: () => void = () => {}) => process.send?.(reply, then);

process.once('disconnect', () => process.exit(0));

// Requests are accepted at once and answered when the tokenizer is there: a message that arrived
// before a listener existed would be lost.
const tokenizer = import(tokenizerModule).then((module: { countTokens: CountTokens }) => module.countTokens);
tokenizer.catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  send({ kind: 'failed', message }, () => process.exit(1));
});

process.on('message', (request: TokenCounterRequest) => {
  void tokenizer.then(
    (countTokens) =>
      send({ kind: 'counts', id: request.id, counts: request.texts.map((text) => countTokens(text)) }),
    () => {},
  );
});
