/**
 * o200k token counts (SPEC §8 `tokens_used`). The tokenizer's vocabulary takes ~300 ms to load,
 * so it is loaded on the first `get_server_tools`, not at start-up (cold start matters to every
 * agent host that spawns the gateway).
 */
type CountTokens = (text: string) => number;

let loading: Promise<CountTokens> | undefined;

export function loadTokenCounter(): Promise<CountTokens> {
  loading ??= import('gpt-tokenizer/encoding/o200k_base').then((module) => module.countTokens);
  return loading;
}
