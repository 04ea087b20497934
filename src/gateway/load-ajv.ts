import { createRequire } from 'node:module';
import type { Ajv } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';

export interface AjvModules {
  Ajv: typeof Ajv;
  Ajv2020: typeof Ajv2020;
  addFormats: <T extends Ajv | Ajv2020>(ajv: T) => T;
}

const require = createRequire(import.meta.url);
let loaded: AjvModules | undefined;

/**
 * Ajv, ajv/dist/2020 and ajv-formats, loaded on first use rather than at start-up (~60 ms of cold
 * start for something only `execute_tool` needs). Synchronously: validation runs in the middle of
 * `execute_tool` with the tool list at hand, and all three packages are CommonJS, so `require`
 * is both possible and the simplest.
 */
export function loadAjv(): AjvModules {
  try {
    loaded ??= {
      Ajv: (require('ajv') as { Ajv: typeof Ajv }).Ajv,
      Ajv2020: (require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020 }).Ajv2020,
      // ajv-formats' module object is the plugin function itself.
      addFormats: require('ajv-formats') as AjvModules['addFormats'],
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot load the argument validator (ajv): ${reason}`, { cause: error });
  }
  return loaded;
}
