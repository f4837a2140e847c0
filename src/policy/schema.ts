import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import policySchema from '../../schema/policy.schema.json' with { type: 'json' };
import type { NodePositions, Position } from './positions.js';
import { escapePointer } from './positions.js';
import { didYouMean } from './suggest.js';

/** The JSON Schema of policy files, as shipped in `schema/policy.schema.json`. */
export const POLICY_SCHEMA: object = policySchema;

/** One schema violation, ready to print: the message and where in the file it is. */
export interface SchemaProblem {
  message: string;
  position: Position;
}

let compiled: ValidateFunction | undefined;

/**
 * Ajv as the policy needs it: every error (so the most useful one can be chosen), the failing
 * value and schema on each error (for messages), strict mode so the schema itself stays clean.
 * `errorMessage` is a hint some editors show on a failed `pattern`; here it is an annotation.
 */
export function createPolicyAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
  ajv.addKeyword('errorMessage');
  addFormats.default(ajv, ['date']);
  return ajv;
}

function validator(): ValidateFunction {
  compiled ??= createPolicyAjv().compile(policySchema);
  return compiled;
}

/**
 * Validates a loaded document against the policy schema. Returns the one problem to report
 * (undefined when valid): a policy error stops the run, so one precise message beats a list.
 */
export function checkSchema(
  document: unknown,
  positions: Map<string, NodePositions>,
): SchemaProblem | undefined {
  const validate = validator();
  if (validate(document)) return undefined;
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'oneOf');
  if (errors.length === 0) {
    return { message: 'does not match the policy schema', position: at(positions, '', 'value') };
  }
  const chosen = choose(errors, positions);
  return { message: describe(chosen, errors), position: where(chosen, positions) };
}

/** Lower is more specific: what a reader should fix first when one value has several errors. */
const PRIORITY: Record<string, number> = {
  additionalProperties: 0,
  required: 1,
  enum: 2,
  const: 2,
  format: 3,
  pattern: 3,
  minLength: 3,
  minItems: 3,
  minProperties: 3,
  uniqueItems: 3,
  minimum: 3,
  type: 9,
};

function errorPointer(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') {
    const prop = (e.params as { additionalProperty: string }).additionalProperty;
    return `${e.instancePath}/${escapePointer(prop)}`;
  }
  return e.instancePath;
}

/**
 * With `oneOf` (a base is a string or a mapping; `secrets` is a boolean or a mapping) ajv reports
 * each branch's errors. The branch of the wrong type only says "must be string" at the value
 * itself, while the branch the user meant reports something deeper or more specific. So a bare
 * type error is dropped when anything else is said about the same value or inside it. Of what
 * remains, the problem that comes first in the file is reported (ajv's order is the schema's,
 * not the reader's); on one value, the most specific keyword wins.
 */
function choose(errors: ErrorObject[], positions: Map<string, NodePositions>): ErrorObject {
  const pointers = errors.map(errorPointer);
  const inside = (p: string, q: string): boolean => q === p || q.startsWith(`${p}/`);
  const useful = errors.filter((e, i) => {
    const p = pointers[i]!;
    if (e.keyword === 'type') {
      return !errors.some(
        (o, j) => (o.keyword !== 'type' && pointers[j] === p) || pointers[j]!.startsWith(`${p}/`),
      );
    }
    // A missing key next to an unknown one is usually the same typo (`rule:` for `rules:`):
    // report what is wrong inside the mapping before what is absent from it.
    if (e.keyword === 'required') {
      return !errors.some((o, j) => o.keyword !== 'required' && inside(p, pointers[j]!));
    }
    return true;
  });
  const keyed = useful.map((e) => ({ e, pos: where(e, positions) }));
  keyed.sort(
    (a, b) => a.pos.line - b.pos.line || a.pos.column - b.pos.column || rank(a.e) - rank(b.e),
  );
  return keyed[0]!.e;
}

function rank(e: ErrorObject): number {
  return PRIORITY[e.keyword] ?? 5;
}

function where(e: ErrorObject, positions: Map<string, NodePositions>): Position {
  switch (e.keyword) {
    case 'additionalProperties':
    case 'required':
    case 'minProperties':
      // Point at the key the reader typed (or the mapping that lacks one), not at its value.
      return at(positions, errorPointer(e), 'key');
    default:
      return at(positions, e.instancePath, 'value');
  }
}

/** The position of a pointer, or of its nearest ancestor that has one. */
export function at(
  positions: Map<string, NodePositions>,
  pointer: string,
  part: 'key' | 'value',
): Position {
  let p = pointer;
  for (;;) {
    const found = positions.get(p);
    if (found) return (part === 'key' ? found.key : undefined) ?? found.value;
    if (p === '') return { line: 1, column: 1 };
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

/** `/rules/vulnerabilities/ignore/0/reason` → `rules.vulnerabilities.ignore[0].reason`. */
export function pathName(pointer: string): string {
  if (pointer === '') return 'the top level';
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((out, s) => (/^\d+$/.test(s) ? `${out}[${s}]` : out === '' ? s : `${out}.${s}`), '');
}

function within(pointer: string): string {
  return pointer === '' ? 'at the top level' : `in ${pathName(pointer)}`;
}

const TYPE_WORDS: Record<string, string> = {
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  null: 'empty',
};

/** How a YAML value reads back to the user: `"yes"`, `42`, `a list`, `nothing`. */
export function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

function describe(e: ErrorObject, all: ErrorObject[]): string {
  const name = pathName(e.instancePath);
  const schema = (e.parentSchema ?? {}) as { properties?: object; errorMessage?: string };
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys(schema.properties ?? {});
      const hint = didYouMean(key, allowed);
      const list = hint === '' && allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : '';
      return `unknown key "${key}" ${within(e.instancePath)}${hint}${list}`;
    }
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      return `missing required key "${key}" ${within(e.instancePath)}`;
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const hint = typeof e.data === 'string' ? didYouMean(e.data, allowed) : '';
      return `invalid value ${show(e.data)} for ${name}: expected one of ${allowed.join(', ')}${hint}`;
    }
    case 'type': {
      // Both branches of a oneOf that failed on type: name every type that would have done.
      const types = all
        .filter((o) => o.keyword === 'type' && o.instancePath === e.instancePath)
        .map((o) => TYPE_WORDS[String((o.params as { type: string }).type)] ?? o.message);
      return `${name} must be ${[...new Set(types)].join(' or ')}, got ${show(e.data)}`;
    }
    case 'format':
      return `${name} must be a date (YYYY-MM-DD), got ${show(e.data)}`;
    case 'pattern':
      return `${name} must be ${schema.errorMessage ?? `text matching ${(e.params as { pattern: string }).pattern}`}, got ${show(e.data)}`;
    case 'minLength':
    case 'minItems':
      return `${name} must not be empty`;
    case 'minProperties':
      return name === 'rules'
        ? 'rules must enable at least one rule (base-image, non-root, secrets, vulnerabilities)'
        : `${name} must not be empty`;
    case 'uniqueItems': {
      const { j } = e.params as { i: number; j: number };
      return `${name} lists ${show((e.data as unknown[])[j])} more than once`;
    }
    case 'minimum':
      return `${name} must be at least ${(e.params as { limit: number }).limit}, got ${show(e.data)}`;
    case 'const':
      return `${name} must be ${show((e.params as { allowedValue: unknown }).allowedValue)}, got ${show(e.data)}`;
    default:
      return `${name} ${e.message ?? 'is invalid'}`;
  }
}
