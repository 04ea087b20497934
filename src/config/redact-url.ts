/**
 * A URL as it may be shown anywhere (SPEC §5): scheme, host, port and path. Userinfo, query and
 * fragment are dropped because that is where credentials travel (`https://user:token@…`, `?api_key=…`).
 */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return '<invalid URL>';
  const parsed = new URL(url);
  // `host` includes a non-default port and omits the default one, as a browser shows it.
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}
