/**
 * `agent-mcp-gateway report` (SPEC §17), the pure part: per agent, the tokens its context would
 * carry if its allowed tools were loaded directly, against the gateway's own tools. The CLI
 * connects the servers, loads the rules and passes the policy in as a predicate; the token
 * counter is injected too (the o200k tokenizer is large and lives outside the core).
 *
 * A tool costs the tokens of its compact JSON, the way SPEC §8 counts `tokens_used`.
 */

export interface ReportTool {
  name: string;
  [field: string]: unknown;
}

export type ReportServer =
  | { name: string; tools: readonly ReportTool[] }
  /** A server that could not be listed: named in the report, counted nowhere. */
  | { name: string; unavailable: string };

export interface ContextReportInput {
  servers: readonly ReportServer[];
  agents: readonly string[];
  mayCall(agent: string, server: string, tool: string): boolean;
  /** The gateway's own `tools/list`, as an agent receives it. */
  gatewayTools: readonly object[];
  countTokens(text: string): number;
}

export interface ToolCount {
  tools: number;
  tokens: number;
}

export interface AgentContext {
  agent: string;
  /** Servers with at least one tool the agent may call, with those tools' cost. */
  servers: ({ server: string } & ToolCount)[];
  direct: ToolCount;
  gateway: ToolCount;
  /** direct − gateway; negative when the gateway costs more than the agent's few tools. */
  saved: { tokens: number; percent: number };
}

export interface ContextReport {
  agents: AgentContext[];
  unavailable: { server: string; reason: string }[];
}

export function computeContextReport(input: ContextReportInput): ContextReport {
  const count = (tool: object) => input.countTokens(JSON.stringify(tool));
  const listed = input.servers.flatMap((server) =>
    'tools' in server
      ? [{ name: server.name, tools: server.tools.map((tool) => ({ tool, tokens: count(tool) })) }]
      : [],
  );
  const gateway: ToolCount = {
    tools: input.gatewayTools.length,
    tokens: input.gatewayTools.reduce((sum: number, tool) => sum + count(tool), 0),
  };
  const agents = input.agents.map((agent): AgentContext => {
    const servers = listed.flatMap(({ name, tools }) => {
      const allowed = tools.filter(({ tool }) => input.mayCall(agent, name, tool.name));
      if (allowed.length === 0) return [];
      return [
        { server: name, tools: allowed.length, tokens: allowed.reduce((sum, { tokens }) => sum + tokens, 0) },
      ];
    });
    const direct: ToolCount = {
      tools: servers.reduce((sum, server) => sum + server.tools, 0),
      tokens: servers.reduce((sum, server) => sum + server.tokens, 0),
    };
    const saved = direct.tokens - gateway.tokens;
    const percent = direct.tokens === 0 ? 0 : Math.round((saved / direct.tokens) * 1000) / 10;
    return { agent, servers, direct, gateway, saved: { tokens: saved, percent } };
  });
  const unavailable = input.servers.flatMap((server) =>
    'unavailable' in server ? [{ server: server.name, reason: server.unavailable }] : [],
  );
  return { agents, unavailable };
}

/** The report as a terminal table: one line per agent, its servers indented below it. */
export function formatContextReport(report: ContextReport): string {
  const header = ['agent / server', 'tools', 'direct tokens', 'gateway tokens', 'saved'];
  const rows: string[][] = [];
  for (const agent of report.agents) {
    rows.push([
      agent.agent,
      String(agent.direct.tools),
      groupDigits(agent.direct.tokens),
      groupDigits(agent.gateway.tokens),
      `${groupDigits(agent.saved.tokens)} (${agent.saved.percent} %)`,
    ]);
    for (const server of agent.servers) {
      rows.push([`  ${server.server}`, String(server.tools), groupDigits(server.tokens), '', '']);
    }
  }
  const widths = header.map((_, column) =>
    Math.max(...[header, ...rows].map((row) => row[column]?.length ?? 0)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const lines = [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)];
  if (report.agents.length === 0) lines.push('(no agents)');
  for (const { server, reason } of report.unavailable) lines.push(`unavailable: ${server} (${reason})`);
  lines.push(
    'Tokens: o200k, each tool as compact JSON. Direct: the tools the agent may call, loaded up front.',
  );
  return lines.join('\n') + '\n';
}

/** `--json`: the same figures, machine-readable. */
export function formatContextReportJson(report: ContextReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}

function groupDigits(value: number): string {
  const sign = value < 0 ? '-' : '';
  return sign + String(Math.abs(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}
