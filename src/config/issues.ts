import { z } from 'zod';
import type { ConfigIssueCode } from './issue-codes.ts';
import { formatJsonPath, type JsonPath } from './json-path.ts';
import type { ConfigIssue } from './types.ts';

/** Most errors are about the format itself, hence the default code. */
export function configError(
  file: string,
  path: JsonPath,
  message: string,
  code: ConfigIssueCode = 'schema',
): ConfigIssue {
  return { severity: 'error', code, file, path: formatJsonPath(path), message };
}

export function configWarning(
  file: string,
  path: JsonPath,
  message: string,
  code: ConfigIssueCode,
): ConfigIssue {
  return { severity: 'warning', code, file, path: formatJsonPath(path), message };
}

/**
 * zod issues as config errors, located under `prefix`. zod 4's default messages name the expected
 * and received *types* only, never the input value, so no secret leaks through them.
 */
export function fromZodIssues(
  issues: readonly z.core.$ZodIssue[],
  file: string,
  prefix: JsonPath = [],
): ConfigIssue[] {
  return issues.map((issue) => {
    const path = [...prefix, ...issue.path.filter((key) => typeof key !== 'symbol')];
    // A bad record key reports the key's own check one level down; that message is the useful one.
    const nested = issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;
    const message = (nested ?? issue.message).replace(/^Invalid input: /, '');
    return configError(file, path, message);
  });
}

/**
 * Warnings for object keys the schema does not know (SPEC §5: ignored, never an error). The schema
 * is walked alongside the value, so the list of known keys is the schema itself and cannot drift.
 * Parts of the value that do not match the schema's shape are skipped: zod reports those.
 */
export function unknownKeyWarnings(
  schema: z.ZodType,
  value: unknown,
  file: string,
  path: JsonPath = [],
): ConfigIssue[] {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject && isPlainObject(value)) {
    const shape = inner.shape as Record<string, z.ZodType>;
    return Object.entries(value).flatMap(([key, child]) => {
      const childSchema = Object.hasOwn(shape, key) ? shape[key] : undefined;
      if (childSchema === undefined) {
        return [configWarning(file, [...path, key], `unknown key "${key}" is ignored`, 'unknown_key')];
      }
      return unknownKeyWarnings(childSchema, child, file, [...path, key]);
    });
  }
  if (inner instanceof z.ZodRecord && isPlainObject(value)) {
    const valueSchema = inner.valueType as z.ZodType;
    return Object.entries(value).flatMap(([key, child]) =>
      unknownKeyWarnings(valueSchema, child, file, [...path, key]),
    );
  }
  if (inner instanceof z.ZodArray && Array.isArray(value)) {
    const element = inner.element as z.ZodType;
    return value.flatMap((child: unknown, index) =>
      unknownKeyWarnings(element, child, file, [...path, index]),
    );
  }
  return [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    if (
      current instanceof z.ZodOptional ||
      current instanceof z.ZodDefault ||
      current instanceof z.ZodNullable
    ) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
