import { YAMLException } from 'js-yaml';
import picomatch from 'picomatch';
import { GateError, errorMessage } from '../errors.js';
import { parseReference } from '../image/reference.js';
import { parseDuration } from '../scanners/duration.js';
import type { Severity } from '../scanners/finding.js';
import type { NodePositions, Position } from './positions.js';
import { loadWithPositions } from './positions.js';
import { at, checkSchema, pathName, show } from './schema.js';
import type { AllowedBase, Policy, Waiver } from './types.js';

export const API_VERSION = 'image-gate/v1';

/**
 * Parses and validates policy text. Every problem is a GateError('policy') whose message starts
 * with `file:line:column:` and whose location carries the same place, for annotations.
 *
 * Pure: `file` is only used in messages.
 */
export function parsePolicy(text: string, file: string): Policy {
  // js-yaml drops a byte-order mark itself, which would shift every offset by one.
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let document: unknown;
  let positions: Map<string, NodePositions>;
  try {
    ({ value: document, positions } = loadWithPositions(source, file));
  } catch (err) {
    if (err instanceof YAMLException) {
      const line = err.mark ? err.mark.line + 1 : undefined;
      const column = err.mark ? err.mark.column + 1 : undefined;
      throw fail(
        file,
        line && column ? { line, column } : undefined,
        `YAML syntax error: ${err.reason}`,
        err,
      );
    }
    throw err;
  }
  if (document === undefined || document === null) {
    throw fail(
      file,
      undefined,
      `the policy is empty: it needs "apiVersion: ${API_VERSION}" and rules`,
    );
  }
  const root = at(positions, '', 'value');
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw fail(
      file,
      root,
      `the policy must be a mapping with apiVersion and rules, got ${show(document)}`,
    );
  }
  // A different apiVersion means a different format: say that rather than list its "errors".
  const apiVersion = (document as Record<string, unknown>).apiVersion;
  if (apiVersion !== undefined && apiVersion !== API_VERSION) {
    throw fail(
      file,
      at(positions, '/apiVersion', 'value'),
      `unsupported apiVersion ${show(apiVersion)}: this image-gate reads "${API_VERSION}"`,
    );
  }
  if (!withinSize(document)) {
    throw fail(file, root, `the policy has more than ${MAX_NODES} values (aliases included)`);
  }
  const problem = checkSchema(document, positions);
  if (problem) throw fail(file, problem.position, problem.message);
  const raw = document as RawPolicy;
  checkMeaning(raw, (pointer, message) => fail(file, at(positions, pointer, 'value'), message));
  const policy = normalise(raw);
  // Fail closed: a policy whose every rule is `false` would pass any image.
  if (!Object.values(policy.rules).some((rule) => rule !== undefined && rule !== false)) {
    throw fail(
      file,
      at(positions, '/rules', 'value'),
      'every rule is disabled: the policy would check nothing; enable at least one rule (base-image, non-root, secrets, vulnerabilities)',
    );
  }
  return policy;
}

/** Far above any real policy; reached only by alias bombs (`&a [*b, *b, …]` nested). */
const MAX_NODES = 100_000;

/**
 * YAML aliases share one value in memory, but validation walks every path through them: a few
 * lines of nested aliases would keep ajv busy for hours. Counting visits bounds that first.
 */
function withinSize(value: unknown): boolean {
  let visits = 0;
  const stack = [value];
  while (stack.length > 0) {
    if (++visits > MAX_NODES) return false;
    const v = stack.pop();
    // One push per value: spreading a huge list into push() would overflow the call stack.
    if (typeof v === 'object' && v !== null)
      for (const child of Object.values(v)) stack.push(child);
  }
  return true;
}

function fail(file: string, position: Position | undefined, message: string, cause?: unknown) {
  const prefix = position ? `${file}:${position.line}:${position.column}` : file;
  return new GateError('policy', `${prefix}: ${message}`, {
    location: { file, ...position },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The document as the schema guarantees it (kebab-case keys, defaults not yet applied). */
interface RawPolicy {
  apiVersion: typeof API_VERSION;
  rules: {
    'base-image'?: {
      allowed: (string | { name?: string; digest?: string; 'diff-ids': string[] })[];
      'require-signature'?: { key: string };
    };
    'non-root'?: boolean;
    secrets?:
      | boolean
      | {
          'allow-paths'?: string[];
          'default-allow-rules'?: boolean;
          'allow-detectors'?: { detector: string; reason: string }[];
        };
    vulnerabilities?: {
      severity: Severity;
      'ignore-unfixed'?: boolean;
      scanners?: ('trivy' | 'grype')[];
      scope?: 'all' | 'own-layers';
      'max-db-age'?: string;
      timeout?: number | string;
      'accept-unknown-db-age'?: boolean;
      'fail-on-no-packages'?: boolean;
      ignore?: Waiver[];
    };
  };
}

/** What a JSON Schema cannot say: references that parse, globs that compile. */
function checkMeaning(raw: RawPolicy, fail: (pointer: string, message: string) => Error): void {
  raw.rules['base-image']?.allowed.forEach((entry, i) => {
    if (typeof entry !== 'string') return;
    try {
      parseReference(entry);
    } catch (err) {
      const pointer = `/rules/base-image/allowed/${i}`;
      throw fail(
        pointer,
        `${pathName(pointer)} is not a usable image reference: ${errorMessage(err)}`,
      );
    }
  });
  const vuln = raw.rules.vulnerabilities;
  for (const key of ['max-db-age', 'timeout'] as const) {
    const value = vuln?.[key];
    // `0s` has the right form but would fail every run (or kill every scanner at once).
    if (typeof value === 'string' && parseDuration(value) === 0) {
      const pointer = `/rules/vulnerabilities/${key}`;
      throw fail(pointer, `${pathName(pointer)} must be longer than zero, got ${show(value)}`);
    }
  }
  const secrets = raw.rules.secrets;
  if (typeof secrets === 'object') {
    secrets['allow-paths']?.forEach((glob, i) => {
      try {
        picomatch.makeRe(globForMatching(glob), { dot: true });
      } catch (err) {
        const pointer = `/rules/secrets/allow-paths/${i}`;
        throw fail(pointer, `${pathName(pointer)} is not a valid glob: ${errorMessage(err)}`);
      }
    });
  }
}

/**
 * Image paths are absolute; people write globs both ways (`/usr/share/doc/**`, `**\/*.pem`).
 * Matching without the leading slash on either side makes both forms mean what they look like.
 */
export function globForMatching(glob: string): string {
  return glob.replace(/^\/+/, '');
}

function normalise(raw: RawPolicy): Policy {
  const rules: Policy['rules'] = {};
  const base = raw.rules['base-image'];
  if (base) {
    rules['base-image'] = {
      allowed: base.allowed.map((entry): AllowedBase => {
        if (typeof entry === 'string') return { reference: entry };
        return {
          diffIds: entry['diff-ids'],
          ...(entry.digest !== undefined ? { digest: entry.digest } : {}),
          ...(entry.name !== undefined ? { name: entry.name } : {}),
        };
      }),
      ...(base['require-signature'] ? { requireSignature: base['require-signature'] } : {}),
    };
  }
  if (raw.rules['non-root'] !== undefined) rules['non-root'] = raw.rules['non-root'];
  const secrets = raw.rules.secrets;
  if (secrets !== undefined) {
    // `secrets: true` is the rule with no exceptions; `false` stays false (skipped).
    rules.secrets =
      secrets === false
        ? false
        : {
            allowPaths: secrets === true ? [] : (secrets['allow-paths'] ?? []),
            ...(secrets !== true && secrets['default-allow-rules'] === false
              ? { defaultAllowRules: false as const }
              : {}),
            ...(secrets !== true && secrets['allow-detectors'] !== undefined
              ? { allowDetectors: secrets['allow-detectors'] }
              : {}),
          };
  }
  const vuln = raw.rules.vulnerabilities;
  if (vuln) {
    rules.vulnerabilities = {
      severity: vuln.severity,
      ignoreUnfixed: vuln['ignore-unfixed'] ?? false,
      ignore: (vuln.ignore ?? []).map((w) => ({
        id: w.id,
        ...(w.package !== undefined ? { package: w.package } : {}),
        reason: w.reason,
        expires: w.expires,
      })),
      scope: vuln.scope ?? 'all',
      ...(vuln.scanners !== undefined ? { scanners: vuln.scanners } : {}),
      ...(vuln['max-db-age'] !== undefined ? { maxDbAge: vuln['max-db-age'] } : {}),
      ...(vuln.timeout !== undefined ? { timeout: toSeconds(vuln.timeout) } : {}),
      acceptUnknownDbAge: vuln['accept-unknown-db-age'] ?? false,
      failOnNoPackages: vuln['fail-on-no-packages'] ?? false,
    };
  }
  return { apiVersion: raw.apiVersion, rules };
}

/** `timeout: 600` is seconds; `timeout: 10m` is a duration (the schema checked its form). */
function toSeconds(timeout: number | string): number {
  return typeof timeout === 'number' ? timeout : Math.ceil(parseDuration(timeout) / 1000);
}
