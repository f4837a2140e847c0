import picomatch from 'picomatch';
import type { SecretFinding, SecretSourceKind } from '../../analyze/types.js';
import { globForMatching } from '../parse.js';
import type { RuleResult } from '../verdict.js';
import { plural } from './text.js';

export type SecretsResult = RuleResult & { rule: 'secrets' };

const KIND_WORDS: Record<SecretSourceKind, string> = {
  file: 'in files',
  env: 'in the environment',
  history: 'in the build history',
  label: 'in labels',
};

/**
 * Fails on any secret left after the allow-list. Only `file` findings can be allowed, by path:
 * a secret in the environment, history or a label is in the config of every container that
 * runs the image, wherever it came from. A file that a later layer deletes still counts (the
 * detector reports it): the layer that holds it still ships.
 */
export function evaluateSecrets(findings: SecretFinding[], allowPaths: string[]): SecretsResult {
  const allowed =
    allowPaths.length > 0 ? picomatch(allowPaths.map(globForMatching), { dot: true }) : undefined;
  const isAllowed = (f: SecretFinding): boolean =>
    f.kind === 'file' &&
    f.path !== undefined &&
    allowed !== undefined &&
    allowed(globForMatching(f.path));
  const left = findings.filter((f) => !isAllowed(f));
  const allowedCount = findings.length - left.length;
  const allowedText = allowedCount > 0 ? ` (${allowedCount} allowed by path)` : '';
  if (left.length === 0) {
    return {
      rule: 'secrets',
      status: 'pass',
      summary: `no secrets found${allowedText}`,
      findings: [],
      details: {},
    };
  }
  const byKind = (Object.keys(KIND_WORDS) as SecretSourceKind[])
    .map((kind) => [kind, left.filter((f) => f.kind === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${KIND_WORDS[kind]}`);
  return {
    rule: 'secrets',
    status: 'fail',
    summary: `${plural(left.length, 'secret')} found: ${byKind.join(', ')}${allowedText}`,
    findings: left,
    details: {},
  };
}
