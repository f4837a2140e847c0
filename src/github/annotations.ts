import type { SourceLocation } from '../errors.js';
import { safeText } from '../redact.js';
import type { RuleName, Verdict } from '../policy/verdict.js';

/** One `::error`/`::warning` line, as @actions/core's annotation properties describe it. */
export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  title?: string;
  file?: string;
  startLine?: number;
  startColumn?: number;
}

/** Where each rule is written in the policy file, so its failure is shown on that line. */
export type RuleLocations = Partial<Record<RuleName, SourceLocation>>;

/**
 * One error annotation per failing rule of each image (and per rule that could not be
 * evaluated), at the rule's line in the policy file when there is one. Warnings of rules stay
 * in the report: annotations are for what blocks the change.
 */
export function verdictAnnotations(
  verdicts: readonly Verdict[],
  locations: RuleLocations = {},
): Annotation[] {
  const out: Annotation[] = [];
  for (const v of verdicts) {
    for (const rule of v.rules) {
      if (rule.status !== 'fail' && rule.status !== 'error') continue;
      const where = locations[rule.rule];
      // The core's summaries of errored rules usually quote the error already: say it once.
      const detail =
        rule.status === 'error' && rule.error && !rule.summary.includes(rule.error)
          ? `: ${rule.error}`
          : '';
      out.push({
        level: 'error',
        title: `image-gate: ${rule.rule} ${rule.status === 'error' ? 'error' : 'failed'}`,
        // Summaries and errors quote image text; the reference may be the user's, with userinfo.
        message: safeText(`${v.image.reference}: ${rule.summary}${detail}`),
        ...(where ? locationProps(where) : {}),
      });
    }
  }
  return out;
}

/** A GateError's location as annotation properties. */
export function locationProps(where: SourceLocation): Partial<Annotation> {
  return {
    file: where.file,
    ...(where.line !== undefined ? { startLine: where.line } : {}),
    ...(where.column !== undefined ? { startColumn: where.column } : {}),
  };
}
