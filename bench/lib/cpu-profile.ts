/** Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`) into self and inclusive time tables. */

export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

interface Totals {
  total: number;
  selfByFunction: Map<string, number>;
  selfByModule: Map<string, number>;
  inclusiveByFunction: Map<string, number>;
  inclusiveByModule: Map<string, number>;
}

export function analyzeProfile(profile: CpuProfile): Totals {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals: Totals = {
    total: 0,
    selfByFunction: new Map(),
    selfByModule: new Map(),
    inclusiveByFunction: new Map(),
    inclusiveByModule: new Map(),
  };
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index + 1] ?? profile.timeDeltas[index] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    totals.total += micros;
    bump(totals.selfByFunction, functionKey(node.callFrame), micros);
    bump(totals.selfByModule, moduleKey(node.callFrame), micros);
    const seenFunctions = new Set<string>();
    const seenModules = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current)?.callFrame;
      if (!frame || frame.functionName === '(root)') continue;
      seenFunctions.add(functionKey(frame));
      seenModules.add(moduleKey(frame));
    }
    for (const key of seenFunctions) bump(totals.inclusiveByFunction, key, micros);
    for (const key of seenModules) bump(totals.inclusiveByModule, key, micros);
  });
  return totals;
}

export function summarizeProfile(profile: CpuProfile, top = 25): string {
  const totals = analyzeProfile(profile);
  const table = (title: string, map: Map<string, number>) =>
    [
      `\n${title}`,
      ...[...map.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(
          ([key, micros]) =>
            `${((micros / totals.total) * 100).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${key}`,
        ),
    ].join('\n');
  return [
    `sampled ${(totals.total / 1000).toFixed(0)} ms`,
    table('self time by module', totals.selfByModule),
    table('self time by function', totals.selfByFunction),
    table('inclusive time by module', totals.inclusiveByModule),
    table('inclusive time by function', totals.inclusiveByFunction),
  ].join('\n');
}

function bump(map: Map<string, number>, key: string, micros: number): void {
  map.set(key, (map.get(key) ?? 0) + micros);
}

function functionKey(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const name = frame.functionName || '(anonymous)';
  if (frame.url === '') return name;
  return `${name}  ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

/** An npm package, a node: built-in, a file of ours, or V8's own buckets (gc, idle, program). */
function moduleKey(frame: CpuProfile['nodes'][number]['callFrame']): string {
  if (frame.url === '') return frame.functionName;
  if (frame.url.startsWith('node:')) return frame.url;
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url);
  if (inPackage) return inPackage[1]!;
  return shortUrl(frame.url);
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const inPackage = /node_modules\/(.*)$/.exec(path);
  if (inPackage) return inPackage[1]!;
  const ours = /\/(dist|src|test|bench)\/(.*)$/.exec(path);
  return ours ? `${ours[1]}/${ours[2]}` : path;
}

/**
 * Self time of the functions whose key contains `needle`, split by call path (innermost first,
 * `depth` frames up): who calls a hot function.
 */
export function callersOf(profile: CpuProfile, needle: string, depth = 9, top = 10): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const paths = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    if (!node || !functionKey(node.callFrame).includes(needle)) return;
    const micros = profile.timeDeltas[index + 1] ?? profile.timeDeltas[index] ?? 0;
    total += micros;
    const frames: string[] = [];
    for (
      let current = parent.get(id);
      current !== undefined && frames.length < depth;
      current = parent.get(current)
    ) {
      const frame = byId.get(current)?.callFrame;
      if (frame) frames.push(functionKey(frame));
    }
    bump(paths, frames.join('\n      <- '), micros);
  });
  return [
    `\n"${needle}": ${(total / 1000).toFixed(0)} ms self, by caller`,
    ...[...paths.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([path, micros]) => `${(micros / 1000).toFixed(0).padStart(6)} ms  <- ${path}`),
  ].join('\n');
}
