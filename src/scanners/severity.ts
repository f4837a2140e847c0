import { SEVERITIES, type Finding, type Severity } from './finding.js';

/** Words the scanners use that are not in our vocabulary, mapped onto it. */
const SYNONYMS: Record<string, Severity> = { moderate: 'medium', important: 'high' };

/**
 * Our severity for a scanner's word (`CRITICAL`, `Negligible`, `moderate`...). Anything not
 * recognised is `unknown`, never dropped: an unknown severity must still reach the policy.
 */
export function toSeverity(word: unknown): Severity {
  if (typeof word !== 'string') return 'unknown';
  const lower = word.trim().toLowerCase();
  if ((SEVERITIES as readonly string[]).includes(lower)) return lower as Severity;
  return SYNONYMS[lower] ?? 'unknown';
}

/** 0 for critical up to 5 for unknown: a lower rank is more severe. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** The more severe of the given severities; `unknown` when there are none. */
export function maxSeverity(...severities: Severity[]): Severity {
  let best: Severity = 'unknown';
  for (const s of severities) if (severityRank(s) < severityRank(best)) best = s;
  return best;
}

/** Code-unit order, not localeCompare: output must not depend on the runner's locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Most severe first, then id, package name and version: the order every list of findings uses. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    compareText(a.id, b.id) ||
    compareText(a.package.name, b.package.name) ||
    compareText(a.package.version, b.package.version)
  );
}
