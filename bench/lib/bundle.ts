/**
 * An esbuild bundle of the built gateway, to measure how much of the cold start is module loading.
 * esbuild is not a dependency of ours (tsx brings it); without it the bundled variant is skipped.
 * The bundle sits in `<dir>/dist/main.js` next to a copy of package.json, where `dist/` expects it.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Esbuild from 'esbuild';
import { GATEWAY_MAIN, ROOT } from './endpoints.ts';

export interface GatewayBundle {
  entry: string;
  /** Every chunk but the lazily loaded tokenizer's, KB. */
  withoutTokenizerKb: number;
  /** Every chunk, KB. */
  totalKb: number;
  remove(): Promise<void>;
}

/** Resolves undefined when esbuild is not installed or the bundle cannot be built. */
export async function bundleGateway(): Promise<GatewayBundle | undefined> {
  let esbuild: typeof Esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return undefined;
  }
  const dir = await mkdtemp(join(tmpdir(), 'gateway-bundle-'));
  try {
    await mkdir(join(dir, 'dist'));
    await copyFile(join(ROOT, 'package.json'), join(dir, 'package.json'));
    const result = await esbuild.build({
      entryPoints: [GATEWAY_MAIN],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // The tokenizer is imported lazily; splitting keeps it out of the start-up chunk.
      splitting: true,
      outdir: join(dir, 'dist'),
      minify: true,
      metafile: true,
      logLevel: 'silent',
      // CommonJS dependencies (pino) call require(); give the ESM bundle one.
      banner: {
        js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
      },
    });
    const outputs = result.metafile.outputs;
    const total = Object.values(outputs).reduce((sum, output) => sum + output.bytes, 0);
    // The tokenizer's vocabulary is loaded on the first get_server_tools, never at start-up.
    const tokenizer = Object.values(outputs)
      .filter((output) => Object.keys(output.inputs).some((input) => input.includes('gpt-tokenizer')))
      .reduce((sum, output) => sum + output.bytes, 0);
    return {
      entry: join(dir, 'dist', 'main.js'),
      withoutTokenizerKb: Math.round((total - tokenizer) / 1024),
      totalKb: Math.round(total / 1024),
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch {
    await rm(dir, { recursive: true, force: true });
    return undefined;
  }
}
