import { redactUrl } from '../config/redact-url.ts';
import type { ServerConfig } from '../config/types.ts';

/** Shorter values are not treated as secrets: replacing `1` or `true` everywhere would mangle text. */
const MIN_SECRET_LENGTH = 4;
const MASK = '***';

/**
 * A function that masks a server's secrets in text the gateway did not write itself: error
 * messages of the SDK and of `fetch`, a child's stderr. SPEC §5: env values, header values, and a
 * URL's userinfo and query string never appear in logs, errors or results.
 */
export function secretScrubber(config: ServerConfig): (text: string) => string {
  const secrets = new Set<string>();
  /** The whole URL is shown the way list_servers shows it, not masked away. */
  let url: { raw: string; shown: string } | undefined;
  if (config.transport === 'stdio') {
    for (const value of Object.values(config.env)) secrets.add(value);
  } else {
    for (const value of Object.values(config.headers)) secrets.add(value);
    url = { raw: config.url, shown: redactUrl(config.url) };
    if (URL.canParse(config.url)) {
      const parsed = new URL(config.url);
      for (const part of [parsed.username, parsed.password, parsed.search.slice(1)]) {
        secrets.add(part);
        secrets.add(safeDecode(part));
      }
      for (const value of parsed.searchParams.values()) secrets.add(value);
    }
  }
  // Longest first, so a secret that contains another is masked whole.
  const ordered = [...secrets].filter((secret) => secret.length >= MIN_SECRET_LENGTH);
  ordered.sort((a, b) => b.length - a.length);
  return (text) => {
    const shown = url ? text.split(url.raw).join(url.shown) : text;
    return ordered.reduce((masked, secret) => masked.split(secret).join(MASK), shown);
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
