/**
 * Cold start: from spawning a process to its first useful answer, measured for
 * - the bare fixture server answering its first `echo` (the reference: a plain SDK server),
 * - the gateway answering its first `list_servers`,
 * - the gateway answering its first `execute_tool` on a server it starts lazily at that moment,
 * - optionally an esbuild bundle of the gateway answering `list_servers` (what bundling would save).
 * Variants run in rotating order within each repetition; medians are reported.
 */
import { spawn } from 'node:child_process';
import {
  connectStdio,
  fixtureEntry,
  fixtureLaunch,
  prepareGateway,
  type StdioLaunch,
} from '../lib/endpoints.ts';
import { FIXTURE_SERVER } from '../lib/load.ts';
import { median, ratio, round } from '../lib/stats.ts';

export interface ColdStartVariant {
  /** Median spawn → initialize answered, ms. */
  connect_ms: number;
  /** Median spawn → first call answered, ms. */
  first_call_ms: number;
  samples_ms: number[];
}

export interface ColdStartResult {
  repetitions: number;
  /** `node -e ""` spawn → exit: the floor of any Node.js process on this machine. */
  node_floor_ms: number;
  direct_fixture: ColdStartVariant;
  gateway_list_servers: ColdStartVariant;
  gateway_first_execute_tool: ColdStartVariant;
  bundled_gateway_list_servers?: ColdStartVariant;
  ratio: {
    list_servers: number;
    first_execute_tool: number;
    bundled_list_servers?: number;
  };
}

interface Probe {
  launch: StdioLaunch;
  call: { name: string; args: Record<string, unknown> };
}

export interface ColdStartPlan {
  repetitions: number;
  /** One unmeasured pass first, so every variant finds its files in the OS cache. */
  warmupPass: boolean;
}

export async function measureColdStart(plan: ColdStartPlan, bundleEntry?: string): Promise<ColdStartResult> {
  const { repetitions } = plan;
  const servers = { [FIXTURE_SERVER]: fixtureEntry() };
  const gatewayFiles = await prepareGateway({ servers });
  const bundleFiles = bundleEntry ? await prepareGateway({ servers, entry: bundleEntry }) : undefined;
  const text = 'cold';
  const probes: Record<string, Probe> = {
    direct_fixture: { launch: fixtureLaunch(), call: { name: 'echo', args: { text } } },
    gateway_list_servers: { launch: gatewayFiles.launch, call: { name: 'list_servers', args: {} } },
    gateway_first_execute_tool: {
      launch: gatewayFiles.launch,
      call: { name: 'execute_tool', args: { server: FIXTURE_SERVER, tool: 'echo', args: { text } } },
    },
    ...(bundleFiles && {
      bundled_gateway_list_servers: { launch: bundleFiles.launch, call: { name: 'list_servers', args: {} } },
    }),
  };
  const names = Object.keys(probes);
  const connects = new Map<string, number[]>(names.map((name) => [name, []]));
  const firsts = new Map<string, number[]>(names.map((name) => [name, []]));
  const floors: number[] = [];
  try {
    if (plan.warmupPass) for (const name of names) await coldCall(probes[name]!);
    for (let rep = 0; rep < repetitions; rep++) {
      floors.push(await nodeFloor());
      for (let i = 0; i < names.length; i++) {
        const name = names[(rep + i) % names.length]!;
        const timing = await coldCall(probes[name]!);
        connects.get(name)!.push(timing.connectMs);
        firsts.get(name)!.push(timing.firstCallMs);
      }
    }
  } finally {
    await gatewayFiles.remove();
    await bundleFiles?.remove();
  }
  const variant = (name: string): ColdStartVariant => ({
    connect_ms: round(median(connects.get(name)!), 1),
    first_call_ms: round(median(firsts.get(name)!), 1),
    samples_ms: firsts.get(name)!.map((value) => round(value, 1)),
  });
  const direct = variant('direct_fixture');
  const listServers = variant('gateway_list_servers');
  const firstExecute = variant('gateway_first_execute_tool');
  const bundled = bundleFiles ? variant('bundled_gateway_list_servers') : undefined;
  return {
    repetitions,
    node_floor_ms: round(median(floors), 1),
    direct_fixture: direct,
    gateway_list_servers: listServers,
    gateway_first_execute_tool: firstExecute,
    ...(bundled && { bundled_gateway_list_servers: bundled }),
    ratio: {
      list_servers: ratio(listServers.first_call_ms, direct.first_call_ms),
      first_execute_tool: ratio(firstExecute.first_call_ms, direct.first_call_ms),
      ...(bundled && { bundled_list_servers: ratio(bundled.first_call_ms, direct.first_call_ms) }),
    },
  };
}

async function coldCall(probe: Probe): Promise<{ connectMs: number; firstCallMs: number }> {
  const started = performance.now();
  const connected = await connectStdio(probe.launch);
  const connectMs = performance.now() - started;
  try {
    const result = await connected.callTool(probe.call.name, probe.call.args);
    const firstCallMs = performance.now() - started;
    if (result.isError) throw new Error(`${probe.call.name} failed: ${JSON.stringify(result).slice(0, 300)}`);
    return { connectMs, firstCallMs };
  } finally {
    await connected.close();
  }
}

function nodeFloor(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', () => resolve(performance.now() - started));
  });
}
