import type * as ClientSdk from '@modelcontextprotocol/client';

/**
 * The client SDK, loaded on the first session instead of at start-up: a gateway whose servers
 * start lazily answers `initialize` and `list_servers` without it (~40 ms and a dozen modules of
 * cold start). Everything else imports only its types.
 */
export type ClientSdkModule = typeof ClientSdk;

let loaded: ClientSdkModule | undefined;
let loading: Promise<ClientSdkModule> | undefined;

/** Loads the SDK once; concurrent first sessions share the load. */
export function loadClientSdk(): Promise<ClientSdkModule> {
  loading ??= import('@modelcontextprotocol/client').then(
    (module) => (loaded = module),
    (error: unknown) => {
      // A later session may try again (a reinstall under a running gateway); the error says what failed.
      loading = undefined;
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`cannot load @modelcontextprotocol/client: ${reason}`, { cause: error });
    },
  );
  return loading;
}

/**
 * The SDK if a session has loaded it, else undefined. An SDK error can only come from a session,
 * so code that classifies errors (`instanceof SdkError`) can use this synchronously: when it is
 * undefined, the error at hand cannot be one of the SDK's.
 */
export function loadedClientSdk(): ClientSdkModule | undefined {
  return loaded;
}
