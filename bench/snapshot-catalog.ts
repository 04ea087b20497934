/**
 * Regenerates `test/search/catalog-snapshot.json`: the `tools/list` of each real server of the
 * benchmark's catalog (sections/context.ts), so the search tests and the retrieval benchmark need
 * no running servers. Rerun after upgrading one of those devDependencies, then check the labelled
 * set still names existing tools (src/search/retrieval-set.test.ts does).
 *
 *   node --import tsx bench/snapshot-catalog.ts
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { ROOT } from './lib/endpoints.ts';
import { catalog, listCatalogTools } from './sections/context.ts';

const OUT = join(ROOT, 'test', 'search', 'catalog-snapshot.json');

async function packageVersion(pkg: string): Promise<string> {
  const text = await readFile(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

const workDir = await mkdtemp(join(tmpdir(), 'gateway-snapshot-'));
try {
  const servers = [];
  for (const server of catalog(workDir)) {
    const tools = await listCatalogTools(server);
    servers.push({
      name: server.name,
      package: server.package,
      version: await packageVersion(server.package),
      // Keep this machine's temporary paths out of the committed file.
      tools: JSON.parse(JSON.stringify(tools).replaceAll(workDir, '/tmp/workdir')) as unknown[],
    });
  }
  // Formatted as `npm run lint` (prettier --check) expects it.
  await writeFile(
    OUT,
    await format(JSON.stringify({ servers }), { ...(await resolveConfig(OUT)), parser: 'json' }),
  );
  process.stderr.write(`wrote ${OUT}: ${servers.map((s) => `${s.name} ${s.tools.length}`).join(', ')}\n`);
} finally {
  await rm(workDir, { recursive: true, force: true });
}
