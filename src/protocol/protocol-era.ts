/**
 * The first MCP revision whose tools/call differs (input_required results, per-request
 * envelopes). Revisions are ISO dates, so they compare as strings. The direct tools/call paths on
 * both sides of the gateway implement the revisions before it; later ones go through the SDK.
 */
const FIRST_MODERN_PROTOCOL_VERSION = '2026-07-28';

export function isModernProtocolVersion(version: string | undefined): boolean {
  return version !== undefined && version >= FIRST_MODERN_PROTOCOL_VERSION;
}
