import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import * as formats from 'ajv-formats';

/**
 * The official SARIF 2.1.0 schema, as shipped in @microsoft/jest-sarif. It is a draft-04
 * schema, which Ajv 8 does not load as is: the top-level `id` becomes `$id` and `$schema` is
 * dropped (the keywords it uses mean the same in draft-07). One of its patterns is not valid
 * with the `u` flag, hence `unicodeRegExp: false`.
 */
function loadValidator(): ValidateFunction {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('@microsoft/jest-sarif/package.json'));
  const raw = JSON.parse(
    readFileSync(join(root, 'lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
  ) as Record<string, unknown>;
  const { id, ...schema } = raw;
  delete schema.$schema;
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  // ajv-formats is CommonJS with `exports.default`; the namespace import works in Node and Vite.
  const addFormats = (formats as unknown as { default: (a: Ajv) => Ajv }).default;
  addFormats(ajv);
  return ajv.compile({ $id: String(id), ...schema });
}

let validator: ValidateFunction | undefined;

/** Schema errors of a SARIF log, as readable strings; empty when it is valid. */
export function sarifErrors(log: unknown): string[] {
  validator ??= loadValidator();
  if (validator(log)) return [];
  return (validator.errors ?? []).map((e: ErrorObject) => `${e.instancePath} ${e.message ?? ''}`);
}
