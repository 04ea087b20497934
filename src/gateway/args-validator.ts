import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { GatewayError } from '../errors.ts';
import { loadAjv } from './load-ajv.ts';

type Schema = Record<string, unknown>;

interface Dialects {
  draft07: Ajv;
  draft2020: Ajv;
}

/**
 * Validates `execute_tool` args against the downstream tool's inputSchema before dispatch, with
 * the dialect the schema declares: real servers mix draft-07 and 2020-12 (SPEC §8). Ajv is loaded
 * by the first validation, not at start-up: only `execute_tool` needs it.
 */
export class ToolArgumentsValidator {
  #dialects: Dialects | undefined;
  /** Keyed by the schema object of the cached tool list: a refreshed list compiles afresh. */
  readonly #compiled = new WeakMap<Schema, ValidateFunction | Error>();

  /** Throws INVALID_ARGUMENTS listing every violation, with the schema so a model can fix the call. */
  validate(schema: Schema, args: Record<string, unknown>, context: { server: string; tool: string }): void {
    const validator = this.#compile(schema);
    if (validator instanceof Error) {
      // A schema we cannot compile is the server's bug; the server is the better judge of its args.
      return;
    }
    if (validator(args)) return;
    const violations = (validator.errors ?? []).map(describeViolation);
    throw new GatewayError(
      'INVALID_ARGUMENTS',
      `args do not match the inputSchema of "${context.tool}": ${violations.join('; ')}. inputSchema: ${JSON.stringify(schema)}`,
      { ...context, data: { violations, inputSchema: schema } },
    );
  }

  #compile(schema: Schema): ValidateFunction | Error {
    let compiled = this.#compiled.get(schema);
    if (!compiled) {
      const dialects = (this.#dialects ??= createDialects());
      const ajv = isDraft2020(schema) ? dialects.draft2020 : dialects.draft07;
      try {
        compiled = ajv.compile(withoutId(schema));
      } catch (error) {
        compiled = error instanceof Error ? error : new Error(String(error));
      }
      this.#compiled.set(schema, compiled);
    }
    return compiled;
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
