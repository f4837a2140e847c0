import { escapeControls } from '../redact.js';
import type { Verdict, RuleStatus } from '../policy/verdict.js';
import type { Finding, Severity } from '../scanners/finding.js';
import { compareFindings, compareText } from '../scanners/severity.js';

export { compareFindings, compareText } from '../scanners/severity.js';

/**
 * The gate decision over several images. An empty list fails: a gate that checked no image
 * proved nothing, and the action must not turn a misconfiguration into a green check.
 */
export function overallDecision(verdicts: readonly Verdict[]): 'pass' | 'fail' {
  if (verdicts.length === 0) return 'fail';
  return verdicts.every((v) => v.decision === 'pass') ? 'pass' : 'fail';
}

/** Decimal (SI) units, as `docker images` and registries show sizes: `12.3 MB`. */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes / 1000;
  let unit = 0;
  // Compare the rounded value so 999_999 shows as `1.0 MB`, not `1000.0 kB`.
  while (Math.round(value * 10) / 10 >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** `sha256:` plus 12 hex digits: enough to tell layers apart, short enough for a table row. */
export function shortDigest(digest: string | undefined): string {
  if (!digest) return '-';
  const colon = digest.indexOf(':');
  if (colon < 0) return digest.slice(0, 12);
  return digest.slice(0, colon + 13);
}

const MEDIA_TYPE_PREFIXES: [string, string][] = [
  ['application/vnd.oci.image.layer.nondistributable.v1.', 'oci-nondist '],
  ['application/vnd.oci.image.layer.v1.', 'oci '],
  ['application/vnd.docker.image.rootfs.foreign.diff.', 'docker-foreign '],
  ['application/vnd.docker.image.rootfs.diff.', 'docker '],
];

/** `application/vnd.oci.image.layer.v1.tar+gzip` → `oci tar+gzip`. Unknown types stay whole. */
export function shortMediaType(mediaType: string): string {
  for (const [prefix, short] of MEDIA_TYPE_PREFIXES) {
    if (mediaType.startsWith(prefix)) return short + mediaType.slice(prefix.length);
  }
  return mediaType;
}

/**
 * Makes control characters visible (`\n`, `\t`, `\x1b`, `\u202e`). Image-derived text (file
 * names, env values, history) is attacker-controlled: a raw newline would break a table row and
 * a raw ESC could rewrite the user's terminal. The one escaping function, shared with errors and
 * logs: src/redact.ts.
 */
export function showControl(text: string): string {
  return escapeControls(text);
}

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

/**
 * `high (trivy) / critical (grype)` when the scanners disagree, else the one severity. Gating
 * uses the highest, so a reader needs to see where a surprising severity came from.
 */
export function severityText(finding: Finding): string {
  const entries = Object.entries(finding.severityBySource).filter(
    (e): e is [string, Severity] => e[1] !== undefined,
  );
  const distinct = new Set(entries.map(([, s]) => s));
  if (distinct.size <= 1) return finding.severity;
  return entries
    .sort(([a], [b]) => scannerRank(a) - scannerRank(b) || compareText(a, b))
    .map(([source, severity]) => `${severity} (${source})`)
    .join(' / ');
}

const SCANNER_ORDER = ['trivy', 'grype'];

/** Trivy first, then Grype, then any other scanner: the same order in every report. */
export function scannerRank(name: string): number {
  const rank = SCANNER_ORDER.indexOf(name);
  return rank < 0 ? SCANNER_ORDER.length : rank;
}

export function packageText(finding: Finding): string {
  return `${finding.package.name}@${finding.package.version}`;
}

export function fixedText(finding: Finding): string {
  return finding.fixedVersions.length > 0 ? finding.fixedVersions.join(', ') : 'no fix';
}

/** A waiver or finding key: the same (id, package, version) across verdict sections. */
export function findingKey(finding: Finding): string {
  return `${finding.id}\u0000${finding.package.name}\u0000${finding.package.version}`;
}

export function statusWord(status: RuleStatus): string {
  return status === 'skipped' ? 'skip' : status;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

/** Where a secret was found, in one string: `/app/.env:2`, `env AWS_KEY`, `history #4`. */
export function secretLocation(finding: {
  kind: string;
  path?: string;
  line?: number;
  historyIndex?: number;
}): string {
  const line = finding.line !== undefined ? `:${finding.line}` : '';
  switch (finding.kind) {
    case 'file':
      return `${finding.path ?? '?'}${line}`;
    case 'env':
      return `env ${finding.path ?? '?'}${line}`;
    case 'label':
      return `label ${finding.path ?? '?'}${line}`;
    case 'config':
      return `config ${finding.path ?? '?'}${line}`;
    case 'history':
      return `history #${finding.historyIndex ?? '?'}${line}`;
    default:
      return `${finding.kind} ${finding.path ?? ''}${line}`.trim();
  }
}
