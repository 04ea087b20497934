import type { RemoteServerConfig } from '../../config/types.ts';

/**
 * `fetch` refuses a URL with credentials (`https://user:token@host/…`), and its error would quote
 * them. They mean HTTP Basic authentication, so they travel as that header instead, unless the
 * config already sets an Authorization header of its own.
 */
export function remoteTarget(config: RemoteServerConfig): { url: URL; headers: Record<string, string> } {
  const url = new URL(config.url);
  if (url.username === '' && url.password === '') return { url, headers: config.headers };
  const basic = basicCredentials(url);
  url.username = '';
  url.password = '';
  const hasAuthorization = Object.keys(config.headers).some((name) => name.toLowerCase() === 'authorization');
  if (hasAuthorization) return { url, headers: config.headers };
  return { url, headers: { ...config.headers, Authorization: `Basic ${basic}` } };
}

/** The base64 `user:password` of a URL's userinfo, as the Basic header carries it. */
export function basicCredentials(url: URL): string {
  return Buffer.from(`${safeDecode(url.username)}:${safeDecode(url.password)}`).toString('base64');
}

export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
