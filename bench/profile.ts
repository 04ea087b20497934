/**
 * Where the gateway spends its CPU: runs the built gateway under `node --cpu-prof` through a
 * sequential phase and a 256-in-flight phase (or only its start-up with `--startup`), then prints
 * the heaviest functions and modules by self time. Not part of `npm run bench`; run it by hand:
 *
 *   node --import tsx bench/profile.ts [--calls 20000] [--in-flight 256] [--startup] [--entry file]
 *     [--top 25] [--callers <function name substring>]...
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fixtureEntry, startGateway } from './lib/endpoints.ts';
import { gatewayTarget, runInFlight } from './lib/load.ts';
import { callersOf, summarizeProfile, type CpuProfile } from './lib/cpu-profile.ts';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '20000' },
    'in-flight': { type: 'string', default: '256' },
    startup: { type: 'boolean', default: false },
    entry: { type: 'string' },
    top: { type: 'string', default: '25' },
    callers: { type: 'string', multiple: true, default: [] },
  },
});

const dir = await mkdtemp(join(tmpdir(), 'gateway-profile-'));
try {
  const gateway = await startGateway({
    servers: { fx: fixtureEntry() },
    nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '200'],
    ...(values.entry !== undefined && { entry: values.entry }),
  });
  const target = gatewayTarget(gateway);
  if (values.startup) {
    await gateway.callTool('list_servers', {});
  } else {
    const calls = Number(values.calls);
    const sequential = await runInFlight((n) => target.echoN(n), calls / 2, 1);
    const loaded = await runInFlight((n) => target.echoN(n), calls / 2, Number(values['in-flight']));
    console.log(
      `sequential: ${Math.round((sequential.calls / sequential.elapsedMs) * 1000)} calls/s; ` +
        `${values['in-flight']} in flight: ${Math.round((loaded.calls / loaded.elapsedMs) * 1000)} calls/s`,
    );
  }
  await gateway.close();
  const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error('the gateway wrote no profile');
  const profile = JSON.parse(await readFile(join(dir, files[0]!), 'utf8')) as CpuProfile;
  console.log(summarizeProfile(profile, Number(values.top)));
  for (const needle of values.callers) console.log(callersOf(profile, needle));
} finally {
  await rm(dir, { recursive: true, force: true });
}
