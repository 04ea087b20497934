import type { CallToolResult } from '@modelcontextprotocol/client';
import { redactUrl } from '../config/redact-url.ts';
import type { ServerConfig } from '../config/types.ts';
import { basicCredentials, safeDecode } from './session/remote-target.ts';

/** Shorter values are not treated as secrets: replacing `1` or `true` everywhere would mangle text. */
const MIN_SECRET_LENGTH = 4;
const MASK = '***';
/** Schemes whose credential may be echoed without them; any other value is masked only whole. */
const AUTH_SCHEME = /^(?:Bearer|Basic|Token|DPoP|Bot|ApiKey)\s+(\S.*)$/i;

/** Masks one server's secrets in text the gateway did not write itself. */
export interface SecretScrubber {
  scrub: (text: string) => string;
  /**
   * Learns a secret at run time (an OAuth access token, a refreshed one): from now on it is
   * masked too. Values shorter than 4 characters are ignored.
   */
  add(secret: string): void;
  /**
   * The result with every credential the gateway made or learnt itself (the Basic header built
   * from URL userinfo, OAuth tokens) masked in its text and structured content; the same object
   * when none occurs, which is every call of a server without such credentials.
   */
  maskResult: (result: CallToolResult) => CallToolResult;
}

/**
 * A scrubber for what the SDK, `fetch`, a child's stderr or a server's log notifications wrote:
 * SPEC §5 says env values, header values, and a URL's userinfo and query string never appear in
 * logs, errors or gateway results. Every credential the gateway sends is a secret in every
 * encoding it sends it in: a header value whole and without its scheme (`Bearer x` and `x`), and
 * the Basic header made from URL userinfo as well as its base64 alone (issue 8 item 4).
 */
export function createSecretScrubber(config: ServerConfig): SecretScrubber {
  const secrets = new Set<string>();
  /** What the gateway itself sends and a server may echo into a result (see maskResult). */
  const derived = new Set<string>();
  /** The whole URL is shown the way list_servers shows it, not masked away. */
  let url: { raw: string; shown: string } | undefined;
  if (config.transport === 'stdio') {
    for (const value of Object.values(config.env)) secrets.add(value);
  } else {
    for (const value of Object.values(config.headers)) addCredential(secrets, value);
    url = { raw: config.url, shown: redactUrl(config.url) };
    if (URL.canParse(config.url)) {
      const parsed = new URL(config.url);
      for (const part of [parsed.username, parsed.password, parsed.search.slice(1)]) {
        secrets.add(part);
        secrets.add(safeDecode(part));
      }
      for (const value of parsed.searchParams.values()) secrets.add(value);
      if (parsed.username !== '' || parsed.password !== '') {
        addCredential(secrets, `Basic ${basicCredentials(parsed)}`);
        addCredential(derived, `Basic ${basicCredentials(parsed)}`);
      }
    }
  }
  let ordered: string[] = [];
  let orderedDerived: string[] = [];
  const rebuild = () => {
    ordered = longestFirst(secrets);
    orderedDerived = longestFirst(derived);
  };
  rebuild();
  return {
    scrub(text) {
      const shown = url ? text.split(url.raw).join(url.shown) : text;
      return ordered.reduce((masked, secret) => masked.split(secret).join(MASK), shown);
    },
    add(secret) {
      const before = secrets.size + derived.size;
      addCredential(secrets, secret);
      addCredential(derived, secret);
      if (secrets.size + derived.size !== before) rebuild();
    },
    maskResult: (result) => (orderedDerived.length === 0 ? result : maskIn(result, orderedDerived)),
  };
}

// Longest first, so a secret that contains another is masked whole.
function longestFirst(values: ReadonlySet<string>): string[] {
  return [...values].filter((value) => value.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

/**
 * Forwarded results stay as the server sent them (SPEC §8) except for the gateway's own
 * credentials: configured env and header values are the operator's and pass through (masking an
 * env value such as "production" would corrupt ordinary results), but a credential the gateway
 * built or obtained (SPEC §5 userinfo, §16 tokens) never reaches a caller.
 */
function maskIn(result: CallToolResult, credentials: readonly string[]): CallToolResult {
  const mask = (text: string) =>
    credentials.reduce((masked, secret) => masked.split(secret).join(MASK), text);
  const leaks = (text: string) => credentials.some((secret) => text.includes(secret));
  const structured =
    result.structuredContent === undefined ? undefined : JSON.stringify(result.structuredContent);
  // The direct path forwards a result as parsed; a server may leave `content` out.
  const content = Array.isArray(result.content) ? result.content : [];
  const textLeaks = content.some((block) => block.type === 'text' && leaks(block.text));
  if (!textLeaks && (structured === undefined || !leaks(structured))) return result;
  return {
    ...result,
    content: content.map((block) => (block.type === 'text' ? { ...block, text: mask(block.text) } : block)),
    ...(structured !== undefined && {
      structuredContent: JSON.parse(mask(structured)) as Record<string, unknown>,
    }),
  };
}

/** A credential as sent, and the part after an auth scheme (`Bearer <token>`, `Basic <base64>`). */
function addCredential(secrets: Set<string>, value: string): void {
  secrets.add(value);
  const match = AUTH_SCHEME.exec(value);
  if (match?.[1] !== undefined) secrets.add(match[1]);
}
