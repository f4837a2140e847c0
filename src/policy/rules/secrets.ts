import picomatch from 'picomatch';
import type { SecretFinding, SecretSourceKind } from '../../analyze/types.js';
import { globForMatching } from '../parse.js';
import type { RuleResult, SecretsDetails } from '../verdict.js';
import { plural } from './text.js';

export type SecretsResult = RuleResult & { rule: 'secrets' };

/** A finding allowed by detector id (`ssh-host-key`), with the policy's reason. */
export interface SecretDetectorAllowance {
  detector: string;
  reason: string;
}

export interface SecretsOptions {
  /** Apply DEFAULT_ALLOW_RULES (the policy's `default-allow-rules`, true unless switched off). */
  defaultAllowRules?: boolean;
  allowDetectors?: readonly SecretDetectorAllowance[];
}

/** A built-in allow rule: test keys that toolchains and packages ship, never used by anything. */
export interface DefaultAllowRule {
  name: string;
  description: string;
  paths: readonly string[];
}

/**
 * Test fixtures of toolchains and language packages: Go's source tree ships test keys and
 * credentials in `testdata/` and `_test.go` files; Python and Node packages ship their test
 * suites. Each is skipped by name and counted in the report; `default-allow-rules: false` in a
 * policy turns them all off. An attacker can hide a secret under such a path, which is why the
 * report always says how many findings each rule skipped.
 */
export const DEFAULT_ALLOW_RULES: readonly DefaultAllowRule[] = [
  {
    name: 'go-toolchain-tests',
    description: "Go's source tree and module cache: testdata/ and _test.go files",
    paths: [
      '**/go/src/**/testdata/**',
      '**/go-*/src/**/testdata/**',
      '**/go/src/**/*_test.go',
      '**/go-*/src/**/*_test.go',
      '**/pkg/mod/**/testdata/**',
      '**/pkg/mod/**/*_test.go',
    ],
  },
  {
    name: 'python-package-tests',
    description: "Python's own test suite and the tests of installed packages",
    paths: [
      '**/lib/python*/test/**',
      '**/{site,dist}-packages/**/{test,tests,testing,testdata}/**',
      '**/{site,dist}-packages/**/test_*.py',
      '**/{site,dist}-packages/**/*_test.py',
    ],
  },
  {
    name: 'node-module-tests',
    description: 'Tests and fixtures of Node.js packages (node_modules, Debian /usr/share/nodejs)',
    paths: [
      '**/node_modules/**/{test,tests,__tests__,fixtures,__fixtures__,testdata}/**',
      '**/node_modules/**/*.{test,spec}.{js,cjs,mjs,ts}',
      'usr/share/nodejs/**/{test,tests,__tests__,fixtures,__fixtures__,testdata}/**',
      'usr/share/nodejs/**/*.{test,spec}.{js,cjs,mjs,ts}',
    ],
  },
];

const KIND_WORDS: Record<SecretSourceKind, string> = {
  file: 'in files',
  env: 'in the environment',
  history: 'in the build history',
  label: 'in labels',
  config: 'in the image config',
};

const defaultMatchers = DEFAULT_ALLOW_RULES.map((r) => ({
  name: r.name,
  test: picomatch(r.paths.map(globForMatching), { dot: true }),
}));

/** The default rule that skips `f`, if any: only findings in files, by path. */
function defaultRuleFor(f: SecretFinding): string | undefined {
  if (f.kind !== 'file' || f.path === undefined) return undefined;
  const path = globForMatching(f.path);
  return defaultMatchers.find((m) => m.test(path))?.name;
}

function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1;
}

/**
 * Fails on any secret left after the allow-lists. Only `file` findings can be allowed by path
 * (the policy's globs or a default rule): a secret in the environment, history or a label is in
 * the config of every container that runs the image, wherever it came from. A detector allowed
 * by name (`ssh-host-key`, with a reason) is allowed wherever it is found. A file that a later
 * layer deletes still counts (the detector reports it): the layer that holds it still ships.
 */
export function evaluateSecrets(
  findings: SecretFinding[],
  allowPaths: string[],
  options: SecretsOptions = {},
): SecretsResult {
  const allowed =
    allowPaths.length > 0 ? picomatch(allowPaths.map(globForMatching), { dot: true }) : undefined;
  const byDetector = new Set((options.allowDetectors ?? []).map((a) => a.detector));
  const skippedByDefaultRule: Record<string, number> = {};
  const allowedByDetector: Record<string, number> = {};
  let allowedByPath = 0;
  const left = findings.filter((f) => {
    if (f.kind === 'file' && f.path !== undefined && allowed?.(globForMatching(f.path))) {
      allowedByPath++;
      return false;
    }
    if (byDetector.has(f.detector)) {
      count(allowedByDetector, f.detector);
      return false;
    }
    const rule = options.defaultAllowRules === false ? undefined : defaultRuleFor(f);
    if (rule !== undefined) {
      count(skippedByDefaultRule, rule);
      return false;
    }
    return true;
  });
  const details: SecretsDetails = {
    ...(Object.keys(allowedByDetector).length > 0 ? { allowedByDetector } : {}),
    ...(Object.keys(skippedByDefaultRule).length > 0 ? { skippedByDefaultRule } : {}),
  };
  const notes = [
    ...(allowedByPath > 0 ? [`${allowedByPath} allowed by path`] : []),
    ...Object.entries(allowedByDetector).map(([d, n]) => `${n} allowed by detector ${d}`),
    ...Object.entries(skippedByDefaultRule).map(([r, n]) => `${n} skipped by default rule ${r}`),
  ];
  const notesText = notes.length > 0 ? ` (${notes.join('; ')})` : '';
  if (left.length === 0) {
    return {
      rule: 'secrets',
      status: 'pass',
      summary: `no secrets found${notesText}`,
      findings: [],
      details,
    };
  }
  const byKind = (Object.keys(KIND_WORDS) as SecretSourceKind[])
    .map((kind) => [kind, left.filter((f) => f.kind === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${KIND_WORDS[kind]}`);
  return {
    rule: 'secrets',
    status: 'fail',
    summary: `${plural(left.length, 'secret')} found: ${byKind.join(', ')}${notesText}`,
    findings: left,
    details,
  };
}
