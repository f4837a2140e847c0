import { safeDeep } from '../redact.js';
import type { SecretFinding } from '../analyze/types.js';
import type { RuleResult, RuleStatus, Verdict, VulnerabilityDetails } from '../policy/verdict.js';
import { SEVERITIES } from '../scanners/finding.js';
import type { Finding } from '../scanners/finding.js';
import {
  findingKey,
  fixedText,
  packageText,
  plural,
  secretLocation,
  severityText,
  shortDigest,
  showControl,
  sortFindings,
  statusWord,
} from './format.js';

export interface TableOptions {
  /** ANSI colours; off by default so logs and files stay plain. */
  color?: boolean;
}

const ANSI = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, dim: 2, bold: 1 } as const;
type Style = keyof typeof ANSI;

/** Colours and plain text through one interface, so layout code never checks the flag. */
export class Painter {
  constructor(private readonly enabled: boolean) {}
  paint(text: string, style: Style | undefined): string {
    if (!this.enabled || !style || text === '') return text;
    return `\u001b[${ANSI[style]}m${text}\u001b[0m`;
  }
}

const STATUS_STYLE: Record<RuleStatus, Style> = {
  pass: 'green',
  fail: 'red',
  warn: 'yellow',
  skipped: 'dim',
  error: 'red',
};

const STATUS_MARK: Record<RuleStatus, string> = {
  pass: '✔',
  fail: '✖',
  warn: '!',
  skipped: '-',
  error: '✖',
};

export const SEVERITY_STYLE: Record<string, Style> = {
  critical: 'magenta',
  high: 'red',
  medium: 'yellow',
  low: 'blue',
};

/** A cell: the plain text (for widths) and an optional style applied after padding. */
export type Cell = string | { text: string; style?: Style };

/**
 * Aligned columns. Every cell goes through showControl: image-derived text must not move the
 * cursor or inject escape sequences. Styles are applied after padding so widths stay right.
 */
export function columns(rows: readonly Cell[][], painter: Painter, indent = '  '): string[] {
  const plain = rows.map((r) => r.map((c) => showControl(typeof c === 'string' ? c : c.text)));
  const widths: number[] = [];
  for (const r of plain) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows.map((r, ri) => {
    const cells = r.map((c, i) => {
      const text = plain[ri]![i]!;
      const padded = i === r.length - 1 ? text : text + ' '.repeat(widths[i]! - [...text].length);
      return painter.paint(padded, typeof c === 'string' ? undefined : c.style);
    });
    return (indent + cells.join('  ')).trimEnd();
  });
}

/** Header row in bold, then the rows. */
export function table(
  header: readonly string[],
  rows: readonly Cell[][],
  painter: Painter,
): string[] {
  return columns([header.map((h) => ({ text: h, style: 'bold' as const })), ...rows], painter);
}

export function vulnerabilityRows(findings: readonly Finding[]): Cell[][] {
  return sortFindings(findings).map((f) => [
    { text: severityText(f), style: SEVERITY_STYLE[f.severity] },
    f.id,
    packageText(f),
    fixedText(f),
    f.sources.join(','),
  ]);
}

export const VULNERABILITY_HEADER = ['SEVERITY', 'ID', 'PACKAGE', 'FIXED', 'SOURCES'];

function secretRow(s: SecretFinding): Cell[] {
  return [
    s.kind,
    s.layerIndex !== undefined ? String(s.layerIndex) : '-',
    secretLocation(s),
    s.detector,
    s.excerpt,
  ];
}

function baseImageLines(rule: RuleResult & { rule: 'base-image' }, p: Painter): string[] {
  const d = rule.details ?? {};
  const rows: Cell[][] = [];
  if (d.base) {
    const digest = d.base.digest ? ` (${shortDigest(d.base.digest)})` : '';
    rows.push([
      rule.status === 'pass' ? 'matched base' : 'closest base',
      d.base.reference + digest,
    ]);
  }
  if (d.sharedLayers !== undefined) rows.push(['shared layers', String(d.sharedLayers)]);
  if (d.firstDifferentLayer !== undefined) {
    const ids =
      d.imageDiffId || d.baseDiffId
        ? ` (image ${shortDigest(d.imageDiffId)}, base ${shortDigest(d.baseDiffId)})`
        : '';
    rows.push(['first differing layer', `#${d.firstDifferentLayer}${ids}`]);
  }
  return [...columns(rows, p), ...rule.findings.map((f) => `  - ${showControl(f)}`)];
}

function vulnerabilityLines(rule: RuleResult & { rule: 'vulnerabilities' }, p: Painter): string[] {
  const d: VulnerabilityDetails | undefined = rule.details;
  if (!d)
    return rule.findings.length > 0
      ? table(VULNERABILITY_HEADER, vulnerabilityRows(rule.findings), p)
      : [];
  const counts = SEVERITIES.map((s) => `${s} ${d.counts[s] ?? 0}`).join(', ');
  const only = Object.entries(d.onlyIn)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([s, n]) => `only ${s}: ${n}`);
  const lines = [
    `  counts: ${counts}`,
    `  threshold: ${d.threshold}, scope: ${d.scope}, scanners: ${d.scanners.join(', ') || 'none'}` +
      (only.length > 0 ? `; ${only.join(', ')}` : ''),
  ];
  if (d.failing.length > 0)
    lines.push('', ...table(VULNERABILITY_HEADER, vulnerabilityRows(d.failing), p));
  if (d.waived.length > 0) {
    lines.push('', '  waived:');
    lines.push(
      ...table(
        ['ID', 'PACKAGE', 'SEVERITY', 'EXPIRES', 'REASON'],
        d.waived.map((w) => [
          w.finding.id,
          packageText(w.finding),
          severityText(w.finding),
          w.waiver.expires + (w.expiringSoon ? ' (expiring soon)' : ''),
          w.waiver.reason,
        ]),
        p,
      ),
    );
  }
  if (d.expiredWaivers.length > 0) {
    lines.push('', '  expired waivers (no longer applied):');
    lines.push(
      ...table(
        ['ID', 'PACKAGE', 'EXPIRED', 'REASON'],
        d.expiredWaivers.map((w) => [w.id, w.package ?? 'any', w.expires, w.reason]),
        p,
      ),
    );
  }
  const listed = new Set([...d.failing, ...d.waived.map((w) => w.finding)].map(findingKey));
  const others = rule.findings.filter((f) => !listed.has(findingKey(f)));
  if (others.length > 0) {
    lines.push(
      '',
      '  other findings:',
      ...table(VULNERABILITY_HEADER, vulnerabilityRows(others), p),
    );
  }
  return lines;
}

function ruleDetailLines(rule: RuleResult, p: Painter): string[] {
  switch (rule.rule) {
    case 'base-image':
      return baseImageLines(rule, p);
    case 'non-root': {
      const uid = rule.details?.uid !== undefined ? ` (uid ${rule.details.uid})` : '';
      const user = rule.details?.user ? showControl(rule.details.user) : 'not set (root)';
      return [`  user: ${user}${uid}`, ...rule.findings.map((f) => `  - ${showControl(f)}`)];
    }
    case 'secrets':
      return rule.findings.length > 0
        ? table(
            ['KIND', 'LAYER', 'LOCATION', 'DETECTOR', 'EXCERPT'],
            rule.findings.map(secretRow),
            p,
          )
        : [];
    case 'vulnerabilities':
      return vulnerabilityLines(rule, p);
    default:
      return [];
  }
}

/** The terminal report for one image: verdict line, identity, one line per rule, then details. */
export function renderTable(image: Verdict, options: TableOptions = {}): string {
  const verdict = safeDeep(image);
  const p = new Painter(options.color === true);
  const pass = verdict.decision === 'pass';
  const lines = [
    `${p.paint(pass ? '✔ PASS' : '✖ FAIL', pass ? 'green' : 'red')}  ${showControl(verdict.image.reference)}`,
    ...columns(
      [
        ['digest', verdict.image.digest],
        ['platform', verdict.image.platform],
        ['policy', `${verdict.policy.source} (${shortDigest(verdict.policy.digest)})`],
      ],
      p,
    ),
    '',
    ...columns(
      verdict.rules.map((r) => [
        {
          text: `${STATUS_MARK[r.status] ?? '?'} ${statusWord(r.status)}`,
          style: STATUS_STYLE[r.status],
        },
        r.rule,
        r.summary +
          (r.status === 'error' && r.error && !r.summary.includes(r.error)
            ? ` (error: ${r.error})`
            : ''),
      ]),
      p,
    ),
  ];
  for (const rule of verdict.rules) {
    const detail = ruleDetailLines(rule, p);
    if (detail.length === 0) continue;
    const count =
      Array.isArray(rule.findings) && rule.findings.length > 0
        ? ` (${plural(rule.findings.length, 'finding')})`
        : '';
    lines.push('', p.paint(`${rule.rule}${count}`, 'bold'), ...detail);
  }
  return `${lines.join('\n')}\n`;
}

/** Several images, one after another, then the overall decision. */
export function renderTableMany(verdicts: readonly Verdict[], options: TableOptions = {}): string {
  if (verdicts.length === 1) return renderTable(verdicts[0]!, options);
  const failed = verdicts.filter((v) => v.decision === 'fail').length;
  const p = new Painter(options.color === true);
  const overall =
    failed === 0 && verdicts.length > 0
      ? p.paint(`✔ PASS: ${plural(verdicts.length, 'image')} passed`, 'green')
      : p.paint(`✖ FAIL: ${failed} of ${plural(verdicts.length, 'image')} failed`, 'red');
  return [...verdicts.map((v) => renderTable(v, options)), `${overall}\n`].join('\n');
}
