import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { GatewayError } from '../errors.ts';
import { loadAjv } from './load-ajv.ts';

type Schema = Record<string, unknown>;

interface Dialects {
  draft07: Ajv;
  draft2020: Ajv2020;
}

/**
 * Validates `execute_tool` args against the downstream tool's inputSchema before dispatch, with
 * the dialect the schema declares: real servers mix draft-07 and 2020-12 (SPEC §8). Ajv is loaded
 * by the first validation, not at start-up: only `execute_tool` needs it.
 */
/** Throws INVALID_ARGUMENTS listing every violation, or returns when the arguments fit. */
export type ArgumentsCheck = (args: Record<string, unknown>) => void;

export class ToolArgumentsValidator {
  #dialects: Dialects | undefined;

  /**
   * Compiles a tool's inputSchema into its check. The catalog keeps one per listed tool, so each
   * schema compiles once per tool list (gateway/catalog.ts).
   */
  compile(schema: Schema, context: { server: string; tool: string }): ArgumentsCheck {
    const dialects = (this.#dialects ??= createDialects());
    const ajv = isDraft2020(schema) ? dialects.draft2020 : dialects.draft07;
    let validator: ValidateFunction;
    try {
      validator = ajv.compile(withoutId(schema));
    } catch {
      // A schema we cannot compile is the server's bug; the server is the better judge of its args.
      return () => {};
    }
    return (args) => {
      if (validator(args)) return;
      const violations = (validator.errors ?? []).map(describeViolation);
      throw new GatewayError(
        'INVALID_ARGUMENTS',
        `args do not match the inputSchema of "${context.tool}": ${violations.join('; ')}. inputSchema: ${JSON.stringify(schema)}`,
        { ...context, data: { violations, inputSchema: schema } },
      );
    };
  }
}

function createDialects(): Dialects {
  const { Ajv, Ajv2020, addFormats } = loadAjv();
  const options = { allErrors: true, strict: false, validateSchema: false };
  return { draft07: addFormats(new Ajv(options)), draft2020: addFormats(new Ajv2020(options)) };
}

function isDraft2020(schema: Schema): boolean {
  const declared = schema.$schema;
  return typeof declared === 'string' && /2020-12|2019-09/.test(declared);
}

/**
 * Two servers may publish schemas with the same `$id`; Ajv refuses a second schema with a known
 * id. Identity of schemas is per tool here, so the id is dropped before compiling.
 */
function withoutId(schema: Schema): Schema {
  if (!('$id' in schema)) return schema;
  const { $id: _id, ...rest } = schema;
  return rest;
}

function describeViolation(error: ErrorObject): string {
  const where = error.instancePath ? error.instancePath.slice(1).replaceAll('/', '.') : 'args';
  if (error.keyword === 'additionalProperties') {
    return `${where}: unknown property "${String(error.params.additionalProperty)}"`;
  }
  if (error.keyword === 'required')
    return `${where}: missing required property "${String(error.params.missingProperty)}"`;
  return `${where}: ${error.message ?? error.keyword}`;
}
