import type { CallToolResult } from '@modelcontextprotocol/server';
import { gatewayStatusArguments, parseArguments } from '../arguments.ts';
import type { CallContext } from '../call-context.ts';
import { jsonToolResult } from '../results.ts';

/** Supplies the parts of `get_gateway_status` that live outside the gateway tools. */
export type StatusSource = () => Record<string, unknown>;

/** `get_gateway_status` (SPEC §8, debug only): reloads, policy, servers, paths and metrics. */
export function gatewayStatus(raw: unknown, _ctx: CallContext, status: StatusSource): CallToolResult {
  parseArguments(gatewayStatusArguments, raw, 'get_gateway_status');
  return jsonToolResult(status());
}
