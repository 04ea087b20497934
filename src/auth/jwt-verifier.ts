/**
 * Bearer JWTs (SPEC §13 `auth.jwt`), verified with `jose`: signature against the JWKS, `iss`, `aud`,
 * `exp` (required), a clock tolerance of 60 s and only the configured algorithms (`none` and HS* can
 * never be configured). The result names the principal by `agent_claim`, or says why not — in words
 * that never contain the token.
 */

import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Logger } from '../logger.ts';
import type { JwtAuthRules } from '../policy/types.ts';

/** SPEC §13: clock skew of at most 60 s. */
export const CLOCK_TOLERANCE_S = 60;

/** A slow identity provider must not hold a request for long; jose's default is 5 s. */
const JWKS_TIMEOUT_MS = 5000;

export type JwtVerification = { ok: true; claim: unknown } | { ok: false; reason: string };

export interface JwtVerifier {
  verify(token: string): Promise<JwtVerification>;
}

export interface JwtVerifierOptions {
  logger?: Logger;
  /** A remote key set to reuse when `jwks_uri` is unchanged across reloads (it keeps its cache). */
  previous?: { uri: string; keySet: JWTVerifyGetKey };
}

export interface JwtVerifierHandle {
  verifier: JwtVerifier;
  /** Set for `jwks_uri`: hand it to the next verifier as `previous`. */
  remote?: { uri: string; keySet: JWTVerifyGetKey };
}

/**
 * One verifier per rules version. `jwks_file` is read on first use, so a reload re-reads it; a
 * failed read is retried on the next token rather than locking every client out until a reload.
 */
export function createJwtVerifier(config: JwtAuthRules, options: JwtVerifierOptions = {}): JwtVerifierHandle {
  const { logger } = options;
  let remote: JwtVerifierHandle['remote'];
  let getKeySet: () => Promise<JWTVerifyGetKey>;
  if (config.jwks_uri !== undefined) {
    const uri = config.jwks_uri;
    const keySet =
      options.previous?.uri === uri
        ? options.previous.keySet
        : createRemoteJWKSet(new URL(uri), { timeoutDuration: JWKS_TIMEOUT_MS });
    remote = { uri, keySet };
    getKeySet = () => Promise.resolve(keySet);
  } else {
    const file = config.jwks_file ?? '';
    let loading: Promise<JWTVerifyGetKey> | undefined;
    getKeySet = () => {
      loading ??= readFile(file, 'utf8').then((text) => createLocalJWKSet(JSON.parse(text) as never));
      loading.catch(() => (loading = undefined));
      return loading;
    };
  }

  const verifyOptions = {
    issuer: config.issuer,
    audience: typeof config.audience === 'string' ? config.audience : [...config.audience],
    algorithms: [...config.algorithms],
    clockTolerance: CLOCK_TOLERANCE_S,
    requiredClaims: ['exp'],
  };

  // One line per outage of the key source, not one per refused request while it lasts.
  let outageReported = false;

  return {
    ...(remote !== undefined && { remote }),
    verifier: {
      async verify(token) {
        let keySet: JWTVerifyGetKey;
        try {
          keySet = await getKeySet();
        } catch (error) {
          if (!outageReported) {
            outageReported = true;
            logger?.error(
              { err: error, jwks_file: config.jwks_file },
              'cannot read the JWKS file of auth.jwt',
            );
          }
          return { ok: false, reason: 'the gateway cannot read its JWKS file; tell the operator' };
        }
        try {
          const { payload } = await jwtVerify(token, keySet, verifyOptions);
          outageReported = false;
          return { ok: true, claim: payload[config.agent_claim] };
        } catch (error) {
          const reason = describeFailure(error);
          if (reason.operatorFault && !outageReported) {
            outageReported = true;
            // The cause names the JWKS address or the fetch error, never the token.
            logger?.warn({ err: error, jwks_uri: config.jwks_uri }, 'cannot fetch the JWKS of auth.jwt');
          }
          return { ok: false, reason: reason.text };
        }
      },
    },
  };
}

function describeFailure(error: unknown): { text: string; operatorFault?: true } {
  if (error instanceof errors.JWTExpired) return { text: 'the token has expired' };
  if (error instanceof errors.JWTClaimValidationFailed) {
    // jose names the claim (iss, aud, exp, nbf, iat); the claim's value is not repeated.
    return { text: `the token's "${error.claim}" claim is not accepted (${error.reason})` };
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return { text: "the token's algorithm is not accepted" };
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return { text: "the token's signature is invalid" };
  if (error instanceof errors.JWKSNoMatchingKey) return { text: 'no key of the JWKS matches the token' };
  if (error instanceof errors.JWKSTimeout)
    return { text: 'the JWKS did not answer in time', operatorFault: true };
  if (error instanceof errors.JWKSInvalid || error instanceof errors.JWKInvalid) {
    return { text: 'the JWKS is invalid', operatorFault: true };
  }
  if (error instanceof errors.JOSEError) return { text: 'the token is malformed or not supported' };
  // fetch failed (connection refused, DNS): the identity provider, not the client, is at fault.
  return { text: 'the JWKS could not be fetched', operatorFault: true };
}
