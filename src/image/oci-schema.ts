import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import schema from '../../schema/oci-image.schema.json' with { type: 'json' };
import { GateError } from '../errors.js';

export type OciDocument = 'manifest' | 'index' | 'config';

const LABEL: Record<OciDocument, string> = {
  manifest: 'image manifest',
  index: 'image index',
  config: 'image config',
};

let ajv: Ajv | undefined;
const compiled = new Map<OciDocument, ValidateFunction>();

function validator(kind: OciDocument): ValidateFunction {
  let v = compiled.get(kind);
  if (!v) {
    ajv ??= new Ajv({ allErrors: false, strict: true, addUsedSchema: false });
    if (!ajv.getSchema(schema.$id)) ajv.addSchema(schema);
    v = ajv.getSchema(`${schema.$id}#/definitions/${kind}`)!;
    compiled.set(kind, v);
  }
  return v;
}

/**
 * Checks a parsed document against schema/oci-image.schema.json before anything reads it: the
 * bounds image-gate enforces (a blob's size, a digest's form) must never depend on a field that
 * may be absent or of another type.
 */
export function validateOci(kind: OciDocument, doc: unknown, where: string): void {
  const validate = validator(kind);
  if (validate(doc)) return;
  throw new GateError(
    'format',
    `${where}: not a valid ${LABEL[kind]}: ${describe(validate.errors?.[0])}`,
  );
}

function describe(e: ErrorObject | undefined): string {
  if (!e) return 'it does not match the schema';
  const at = e.instancePath || '(top level)';
  if (e.keyword === 'required') {
    return `${at} has no "${(e.params as { missingProperty: string }).missingProperty}"`;
  }
  return `${at} ${e.message ?? 'is invalid'}`;
}
