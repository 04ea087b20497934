import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { openConfigSource } from '../config/source.ts';
import { DownstreamPool } from '../downstream/pool.ts';
import { isGatewayError } from '../errors.ts';
import { gatewayToolDefinitions } from '../gateway/tool-definitions.ts';
import { createLogger } from '../logger.ts';
import { compilePolicy } from '../policy/engine.ts';
import {
  computeContextReport,
  formatContextReport,
  formatContextReportJson,
  type ReportServer,
} from '../search/context-report.ts';
import { packageVersion } from '../version.ts';
import { readEnvOptions } from './env-options.ts';
import { printIssues, writeLine, type CliIo } from './io.ts';
import type { Command } from './parse-command.ts';

/**
 * `report` (SPEC §17): connects every configured server once (in parallel, each within its
 * connect timeout), and prints per agent the o200k tokens of loading the tools it may call directly
 * against the gateway's own tools/list. A server that cannot be reached is named, not fatal.
 */
export async function runReport(command: Command, io: CliIo): Promise<number> {
  const env = readEnvOptions(io.env);
  if (!env.ok) {
    printIssues(io.stderr, env.errors);
    return 1;
  }
  const logger = createLogger(env.value.logLevel === 'info' ? 'warn' : env.value.logLevel);
  const opened = await openConfigSource({
    flags: { mcpConfig: command.mcpConfig, rules: command.rules },
    environment: env.value,
    variables: io.env,
    cwd: io.cwd,
    home: io.home,
    self: { execPath: io.execPath, argv: io.processArgv, cwd: io.cwd },
    logger,
  });
  if (!opened.ok) {
    printIssues(io.stderr, opened.errors);
    return 1;
  }
  const { servers, rules } = opened.source.current();
  await opened.source.close();
  const agents = command.agent === undefined ? Object.keys(rules.agents) : [command.agent];
  if (command.agent !== undefined && !Object.hasOwn(rules.agents, command.agent)) {
    writeLine(
      io.stderr,
      `error: agent "${command.agent}" is not defined in ${opened.source.paths.gateway_rules}`,
    );
    return 1;
  }
  const pool = new DownstreamPool(servers, {
    logger,
    clientVersion: packageVersion(),
    parentEnv: io.env,
    directToolCalls: env.value.directToolCalls,
  });
  let listed: ReportServer[];
  try {
    listed = await Promise.all(
      pool.all().map(async (connection): Promise<ReportServer> => {
        try {
          const { tools } = await connection.listTools();
          return { name: connection.name, tools };
        } catch (error) {
          return {
            name: connection.name,
            unavailable: isGatewayError(error) ? error.message : String(error),
          };
        }
      }),
    );
  } finally {
    await pool.close();
  }
  const policy = compilePolicy(rules);
  const report = computeContextReport({
    servers: listed,
    agents,
    mayCall: (agent, server, tool) =>
      policy.evaluateServerAccess(agent, server).effect === 'allow' &&
      policy.evaluateToolAccess(agent, server, tool).effect === 'allow',
    gatewayTools: gatewayToolDefinitions(false),
    countTokens,
  });
  io.stdout.write(command.json ? formatContextReportJson(report) : formatContextReport(report));
  return 0;
}
