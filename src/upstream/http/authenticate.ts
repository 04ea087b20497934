import type { Principal } from '../../identity/principal.ts';

/**
 * The HTTP front end's view of credentials (SPEC §13, §14): the `Authorization` header in, a
 * principal or a refusal out. The composition root passes the real checker (API key hashes, JWT);
 * the front end never sees a key's hash or a token's claims, only the verdict, and never logs the
 * header. The checker reads the rules in force at each call, so a principal removed by a reload
 * is refused at its very next request.
 */
export type Authenticate = (authorization: string | undefined) => Promise<AuthOutcome>;

export type AuthOutcome =
  | { ok: true; principal: string }
  | {
      ok: false;
      status: 401;
      /** Says which: no credential, or one that did not verify; never echoes the credential. */
      reason: string;
      /** `Bearer …`, with `resource_metadata` when the JWT settings name one. */
      wwwAuthenticate: string;
    };

/** The principal of a verified request. */
export function credentialPrincipal(agentId: string): Principal {
  return { agentId, source: 'credential' };
}
