/**
 * Bearer API keys (SPEC §13): how a key is made and hashed. The rules file holds only the hash, so
 * a leaked rules file grants nothing; the key itself is shown once by `keygen` and never stored.
 */

import { createHash, randomBytes } from 'node:crypto';

/** Recognisable in a leaked-secret scan, and tells a JWT apart without parsing it. */
export const API_KEY_PREFIX = 'amg_';

/** 256 bits of randomness (SPEC §13: at least 256). */
const KEY_BYTES = 32;

/** `amg_` and 43 URL-safe base64 characters, safe in a header, a URL or a shell argument. */
export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(KEY_BYTES).toString('base64url')}`;
}

/** The digest of the whole key string (prefix included), UTF-8; 32 bytes. */
export function apiKeyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The line a rules file lists under `credentials.api_keys`. */
export function hashApiKey(key: string): string {
  return `sha256:${apiKeyDigest(key).toString('hex')}`;
}
