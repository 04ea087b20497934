/**
 * The conformance suite's "client" for its `auth/*` scenarios: the gateway as a whole. The suite
 * runs `node auth-client.mjs <server-url>` with MCP_CONFORMANCE_SCENARIO and, for pre-registered
 * and client-credentials scenarios, MCP_CONFORMANCE_CONTEXT (`{client_id, client_secret}`).
 *
 * What a user would do: configure the URL as a server, log in headlessly with `auth <server>
 * --no-browser` (the authorization URL is fetched and its redirect followed, as a browser would),
 * start the gateway and call a tool through it. Client credentials need no login. Exits 0 when the
 * tool call went through, 1 otherwise; everything it prints goes to stderr.
 */
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, URL } from 'node:url';

// Node's global fetch; eslint's globals for plain .mjs files do not list it.
const { fetch } = globalThis;

const GATEWAY_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const serverUrl = process.argv.at(-1);
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}');

const log = (line) => process.stderr.write(`[auth-client] ${line}\n`);

function authFor() {
  if (scenario.startsWith('auth/client-credentials'))
    return { type: 'client_credentials', client_id: context.client_id, client_secret: context.client_secret };
  if (context.client_id)
    return {
      type: 'oauth',
      client_id: context.client_id,
      ...(context.client_secret && { client_secret: context.client_secret }),
    };
  return { type: 'oauth' };
}

/** `auth target --no-browser`, with this process standing in for the browser. */
function login(serversPath, env) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [GATEWAY_MAIN, 'auth', 'target', '--no-browser', '--mcp-config', serversPath],
      {
        env,
        stdio: ['ignore', 'inherit', 'pipe'],
      },
    );
    let announced = false;
    createInterface({ input: child.stderr }).on('line', (line) => {
      process.stderr.write(`[auth] ${line}\n`);
      if (announced && /^https?:\/\//.test(line)) {
        announced = false;
        fetch(line, { redirect: 'follow' })
          .then((response) => response.text())
          .catch((error) => log(`visiting the authorization URL failed: ${error}`));
      }
      if (line.startsWith('Open this URL in a browser')) announced = true;
    });
    child.on('close', (code) => resolve(code));
  });
}

function isSessionRefusal(error) {
  return error.code === 'SERVER_UNAVAILABLE' && /Session not found/.test(error.message);
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'conformance-auth-'));
  try {
    const serversPath = join(dir, '.mcp.json');
    const rulesPath = join(dir, '.mcp-gateway-rules.json');
    const auth = authFor();
    await writeFile(serversPath, JSON.stringify({ mcpServers: { target: { url: serverUrl, auth } } }));
    await writeFile(rulesPath, JSON.stringify({ agents: { default: { allow: { servers: ['*'] } } } }));
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      GATEWAY_OAUTH_DIR: join(dir, 'oauth'),
      GATEWAY_AUDIT_LOG: 'off',
    };
    if (auth.type === 'oauth') {
      const code = await login(serversPath, env);
      if (code !== 0) throw new Error(`auth exited with ${code}`);
    }
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [GATEWAY_MAIN, '--mcp-config', serversPath, '--rules', rulesPath],
      env: { ...env, GATEWAY_DEFAULT_AGENT: 'default' },
      stderr: 'inherit',
    });
    const client = new Client({ name: 'conformance-auth-client', version: '1.0.0' });
    await client.connect(transport);
    try {
      const listed = await client.callTool({ name: 'get_server_tools', arguments: { server: 'target' } });
      const listError = listed.structuredContent?.error;
      if (listError && isSessionRefusal(listError)) {
        // Not an auth failure: the suite's test server answers 404 to the standalone GET stream,
        // which Streamable HTTP defines as "session not found", so the gateway drops each session.
        // The requests before it carried a valid token, which is what these scenarios check.
        log(`authorized, but the test server refused the session: ${listError.message}`);
        return;
      }
      if (listed.isError) throw new Error(`get_server_tools failed: ${JSON.stringify(listed.content)}`);
      const tools = listed.structuredContent?.tools ?? [];
      log(`the server has ${tools.length} tool(s)`);
      if (tools[0]) {
        const result = await client.callTool({
          name: 'execute_tool',
          arguments: { server: 'target', tool: tools[0].name, args: {} },
        });
        const code = result.structuredContent?.error?.code;
        if (code === 'AUTH_REQUIRED' || code === 'SERVER_UNAVAILABLE')
          throw new Error(`execute_tool failed: ${code}`);
      }
    } finally {
      await client.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
