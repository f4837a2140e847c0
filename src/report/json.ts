import { safeDeep } from '../redact.js';
import type { SecretFinding } from '../analyze/types.js';
import type { RuleResult, Verdict } from '../policy/verdict.js';
import { SEVERITIES } from '../scanners/finding.js';
import type { Finding } from '../scanners/finding.js';
import { overallDecision } from './format.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Mappers = Record<string, (value: never) => unknown>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every object's keys sorted: the fallback order for values whose shape we do not know. */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeysDeep(value[key]);
  return out;
}

/**
 * A copy of `obj` with the `first` keys in that order, then any other keys sorted. Fields the
 * policy engine adds later still appear, in a deterministic place, without a change here.
 */
export function ordered(
  obj: object,
  first: readonly string[],
  mappers: Mappers = {},
): Record<string, unknown> {
  const source = obj as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const rest = Object.keys(source)
    .filter((k) => !first.includes(k))
    .sort();
  for (const key of [...first, ...rest]) {
    const value = source[key];
    if (value === undefined) continue;
    const map = mappers[key] as ((v: unknown) => unknown) | undefined;
    out[key] = map ? map(value) : sortKeysDeep(value);
  }
  return out;
}

const WAIVER_KEYS = ['id', 'package', 'reason', 'expires'];
const SCANNER_KEYS = ['trivy', 'grype'];

export function canonicalFinding(finding: Finding): Record<string, unknown> {
  return ordered(
    finding,
    [
      'id',
      'aliases',
      'package',
      'fixedVersions',
      'severity',
      'severityBySource',
      'cvss',
      'title',
      'layerDiffId',
      'sources',
    ],
    {
      package: (p: object) => ordered(p, ['name', 'version', 'type', 'purl', 'path']),
      severityBySource: (s: object) => ordered(s, SCANNER_KEYS),
      cvss: (list: object[]) =>
        list.map((c) => ordered(c, ['source', 'version', 'vector', 'score'])),
    },
  );
}

const SECRET_KEYS = [
  'kind',
  'detector',
  'title',
  'layerIndex',
  'diffId',
  'path',
  'line',
  'historyIndex',
  'excerpt',
] as const satisfies readonly (keyof SecretFinding)[];

/**
 * Only the declared fields of a secret finding, never "whatever else is on the object": if a
 * detector ever attached the raw match, the reports still would not carry it.
 */
export function canonicalSecret(finding: SecretFinding): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of SECRET_KEYS) {
    if (finding[key] !== undefined) out[key] = finding[key];
  }
  return out;
}

function canonicalRule(rule: RuleResult): Record<string, unknown> {
  const head = ['rule', 'status', 'summary', 'findings', 'error', 'details'];
  switch (rule.rule) {
    case 'secrets':
      return ordered(rule, head, {
        findings: (list: SecretFinding[]) => list.map(canonicalSecret),
      });
    case 'vulnerabilities':
      return ordered(rule, head, {
        findings: (list: Finding[]) => list.map(canonicalFinding),
        details: (d: object) =>
          ordered(
            d,
            [
              'threshold',
              'scope',
              'counts',
              'failing',
              'waived',
              'expiredWaivers',
              'onlyIn',
              'scanners',
            ],
            {
              counts: (c: object) => ordered(c, SEVERITIES),
              failing: (list: Finding[]) => list.map(canonicalFinding),
              waived: (list: object[]) =>
                list.map((w) =>
                  ordered(w, ['finding', 'waiver', 'expiringSoon'], {
                    finding: canonicalFinding,
                    waiver: (x: object) => ordered(x, WAIVER_KEYS),
                  }),
                ),
              expiredWaivers: (list: object[]) => list.map((x) => ordered(x, WAIVER_KEYS)),
              onlyIn: (o: object) => ordered(o, SCANNER_KEYS),
            },
          ),
      });
    case 'base-image':
      return ordered(rule, head, {
        details: (d: object) =>
          ordered(d, ['base', 'sharedLayers', 'firstDifferentLayer', 'imageDiffId', 'baseDiffId'], {
            base: (b: object) => ordered(b, ['reference', 'digest', 'layers']),
          }),
      });
    case 'non-root':
      return ordered(rule, head, { details: (d: object) => ordered(d, ['user', 'uid']) });
    default:
      // A rule this renderer does not know yet: keep it, in sorted key order.
      return ordered(rule as object, head);
  }
}

/** The verdict with a fixed key order, whatever order the policy engine built it in. */
export function canonicalVerdict(verdict: Verdict): Record<string, unknown> {
  return ordered(verdict, ['decision', 'image', 'policy', 'rules', 'tool', 'checkedAt'], {
    image: (i: object) => ordered(i, ['reference', 'digest', 'configDigest', 'platform']),
    policy: (p: object) => ordered(p, ['source', 'digest', 'builtIn']),
    rules: (rules: RuleResult[]) => rules.map(canonicalRule),
    tool: (t: object) => ordered(t, ['name', 'version']),
  });
}

/** 2-space JSON with a final newline, as every JSON report is written. */
export function stringify(value: unknown): string {
  return `${JSON.stringify(value as Json, null, 2)}\n`;
}

/**
 * One image: exactly the verdict. Several: `{ decision, images }`, failing if any image fails,
 * so a consumer reads one `decision` field either way.
 */
export function renderJson(verdicts: Verdict | readonly Verdict[]): string {
  const list = safeDeep<readonly Verdict[]>(
    Array.isArray(verdicts) ? verdicts : [verdicts as Verdict],
  );
  if (list.length === 1) return stringify(canonicalVerdict(list[0]!));
  return stringify({ decision: overallDecision(list), images: list.map(canonicalVerdict) });
}
