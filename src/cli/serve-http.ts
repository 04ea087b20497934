import type { Gateway } from '../gateway-app.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Authenticate } from '../upstream/http/authenticate.ts';
import { isLoopbackHost } from '../upstream/http/guards.ts';
import { startHttpUpstream, type HttpUpstream } from '../upstream/http/http-server.ts';
import { readInteger, type HttpEnvOptions } from './env-options.ts';
import type { Command } from './parse-command.ts';

export interface HttpServeOptions {
  host: string;
  port: number;
  env: HttpEnvOptions;
}

/**
 * `serve --http` settings from flags over GATEWAY_HTTP_* (SPEC §14), checked before anything
 * starts. A non-loopback bind without credentials is refused: it would hand every tool of every
 * server to anyone who can reach the port, with identities any client may claim.
 */
export function planHttpServe(
  command: Pick<Command, 'host' | 'port'>,
  env: HttpEnvOptions,
  credentialsConfigured: boolean,
): { ok: true; options: HttpServeOptions } | { ok: false; error: string } {
  const host = command.host?.trim() || env.host;
  let port = env.port;
  if (command.port !== undefined) {
    const flag = readInteger({ '--port': command.port }, '--port', env.port, 0, 65_535);
    if (!flag.ok) return flag;
    port = flag.value;
  }
  if (!credentialsConfigured && !isLoopbackHost(host)) {
    return {
      ok: false,
      error:
        `refusing to serve HTTP on ${host}, which is not a loopback address, without credentials: ` +
        'give agents credentials in the rules file (api_keys or auth.jwt) or bind 127.0.0.1',
    };
  }
  return { ok: true, options: { host, port, env } };
}

export interface StartHttpServeOptions {
  gateway: Gateway;
  version: string;
  logger: Logger;
  /** The credential check; absent when no credentials are configured. */
  authenticate?: Authenticate | undefined;
  /** The one metrics system (SPEC §11): /metrics is its Prometheus exposition. */
  metrics: Metrics;
  /** GATEWAY_DIRECT_TOOL_CALLS: false keeps every tools/call on the SDK path. */
  directToolCalls: boolean;
}

/** Starts the HTTP front end as a resource of the gateway's one lifetime and logs its address. */
export async function startHttpServe(
  plan: HttpServeOptions,
  options: StartHttpServeOptions,
): Promise<HttpUpstream> {
  const { gateway, logger } = options;
  const { env } = plan;
  if (options.authenticate === undefined) {
    logger.warn(
      { host: plan.host },
      'no credentials configured: HTTP requests are not authenticated (loopback only) and agents are identified by agent_id or the fallback agent',
    );
  }
  const upstream: HttpUpstream = gateway.own(
    'http front end',
    await startHttpUpstream({
      dispatcher: gateway.dispatcher,
      version: options.version,
      logger,
      host: plan.host,
      port: plan.port,
      stopping: gateway.stopping,
      authenticate: options.authenticate,
      directToolCalls: options.directToolCalls,
      allowedOrigins: env.allowedOrigins,
      maxBodyBytes: env.maxBodyBytes,
      sessionIdleMs: env.sessionIdleMs,
      metricsPublic: env.metricsPublic,
      // The open-sessions gauge is read from the session table at each scrape, like downstream_up.
      metricsText: () => {
        options.metrics.setOpenSessions(upstream.openSessions());
        return options.metrics.exposition();
      },
    }),
  );
  logger.info(
    {
      version: options.version,
      url: upstream.url,
      host: plan.host,
      port: upstream.port,
      authentication: options.authenticate === undefined ? 'none' : 'bearer',
    },
    'gateway ready on http',
  );
  return upstream;
}
