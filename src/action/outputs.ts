import type { Verdict } from '../policy/verdict.js';
import { overallDecision } from '../report/format.js';
import type { SignResult } from '../sign/sign.js';

export type RunDecision = 'pass' | 'fail' | 'error';

/**
 * `error` when an image could not be checked or a rule could not be evaluated (the CLI's exit
 * code 2): that fails the step even with `fail: false`. Otherwise `fail` if any image failed.
 */
export function runDecision(verdicts: readonly Verdict[], imageErrors: number): RunDecision {
  if (imageErrors > 0) return 'error';
  if (verdicts.some((v) => v.rules.some((r) => r.status === 'error'))) return 'error';
  return overallDecision(verdicts);
}

export interface Counts {
  critical: number;
  high: number;
  medium: number;
  low: number;
}

/** Vulnerabilities found (before waivers and the threshold), summed over the images. */
export function severityCounts(verdicts: readonly Verdict[]): Counts {
  const total: Counts = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const v of verdicts) {
    for (const r of v.rules) {
      if (r.rule !== 'vulnerabilities' || !r.details) continue;
      for (const s of ['critical', 'high', 'medium', 'low'] as const) {
        total[s] += r.details.counts[s] ?? 0;
      }
    }
  }
  return total;
}

/** Names of the rules that failed (or errored) in any image, in policy order, once each. */
export function failedRules(verdicts: readonly Verdict[]): string[] {
  const names = verdicts.flatMap((v) =>
    v.rules.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => r.rule),
  );
  return [...new Set(names)];
}

/** The `outputs:` of action.yml, as strings. */
export function actionOutputs(
  verdicts: readonly Verdict[],
  decision: RunDecision,
  files: { report?: string; sarif?: string },
): Record<string, string> {
  const counts = severityCounts(verdicts);
  return {
    decision,
    // One image: its digest. Several: one per line, in the order of the `image` input.
    digest: verdicts.map((v) => v.image.digest).join('\n'),
    'failed-rules': failedRules(verdicts).join(','),
    critical: String(counts.critical),
    high: String(counts.high),
    medium: String(counts.medium),
    low: String(counts.low),
    report: files.report ?? '',
    sarif: files.sarif ?? '',
  };
}

/**
 * `sign: true`: the manifests holding what was written, one digest per line, in image order:
 * `signatures` (bundle referrer and `.sig` manifest) and `attestations` (the verdict's bundle
 * referrer and `.att` manifest). Empty when nothing was signed (a fail is never signed).
 */
export function signingOutputs(signed: readonly SignResult[]): Record<string, string> {
  const pick = (kind: 'signature' | 'attestation') =>
    signed
      .flatMap((s) => s.written.filter((w) => w.kind === kind).map((w) => w.manifestDigest))
      .join('\n');
  return {
    'signed-digests': signed.map((s) => s.digest).join('\n'),
    signatures: pick('signature'),
    attestations: pick('attestation'),
  };
}

/** The commit status line: what failed, or that everything passed. */
export function statusDescription(
  verdicts: readonly Verdict[],
  decision: RunDecision,
  imageErrors: number,
): string {
  const images = verdicts.length + imageErrors;
  const of = images === 1 ? '' : ` (${images} images)`;
  if (imageErrors > 0) return `error: ${imageErrors} of ${images} images could not be checked`;
  const failed = failedRules(verdicts);
  if (decision === 'pass') {
    const c = severityCounts(verdicts);
    return `passed${of}: ${c.critical} critical, ${c.high} high vulnerabilities`;
  }
  return `${decision === 'error' ? 'error' : 'failed'}${of}: ${failed.join(', ')}`;
}
