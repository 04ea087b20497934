/**
 * Browser and DNS-rebinding protection of the HTTP front end (SPEC §14), pure: each guard turns
 * request headers into a refusal value or `undefined`. A web page can make a browser send
 * requests to a gateway on localhost; the Origin check stops pages from other origins, and the
 * Host check on a loopback bind stops a rebinding attack, where an attacker's name resolves to
 * 127.0.0.1 but the browser still sends the attacker's name as `Host`.
 */

/** An HTTP answer the front end gives instead of serving the request. */
export interface HttpRefusal {
  status: 400 | 401 | 403 | 404 | 405 | 406 | 409 | 413 | 415 | 503;
  message: string;
  headers?: Record<string, string>;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** Whether `host` (a bind address or a Host name without port) only reaches this machine. */
export function isLoopbackHost(host: string): boolean {
  const name = host.trim().toLowerCase();
  return LOOPBACK_NAMES.has(name) || name.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(name);
}

/**
 * Origins are compared exactly as `scheme://host[:port]` (the URL's own normalisation), so
 * `http://localhost:3000` allows that page and no other port: a port-agnostic match would let
 * any local web app in.
 */
export function normaliseOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.origin === 'null' ? undefined : url.origin;
  } catch {
    return undefined;
  }
}

export function checkOrigin(
  origin: string | undefined,
  allowed: ReadonlySet<string>,
): HttpRefusal | undefined {
  if (origin === undefined) return undefined;
  const normalised = normaliseOrigin(origin);
  if (normalised !== undefined && allowed.has(normalised)) return undefined;
  return {
    status: 403,
    message: `origin ${JSON.stringify(origin)} is not allowed; add it to GATEWAY_HTTP_ALLOWED_ORIGINS`,
  };
}

/** On a loopback bind, `Host` must name this machine; on other binds the operator chose the names. */
export function checkHost(host: string | undefined, loopbackBind: boolean): HttpRefusal | undefined {
  if (!loopbackBind) return undefined;
  const name = host === undefined ? undefined : hostName(host);
  if (name !== undefined && isLoopbackHost(name)) return undefined;
  return { status: 403, message: `host ${JSON.stringify(host ?? '')} is not a loopback name` };
}

/** The name part of a Host header: `[::1]:8931` → `[::1]`, `localhost:8931` → `localhost`. */
function hostName(host: string): string | undefined {
  const value = host.trim();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end === -1 ? undefined : value.slice(0, end + 1);
  }
  const colon = value.indexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}
