import { safeDeep } from '../redact.js';
import type { SecretFinding } from '../analyze/types.js';
import type {
  BaseImageDetails,
  RuleResult,
  RuleStatus,
  Verdict,
  VulnerabilityDetails,
} from '../policy/verdict.js';
import { SEVERITIES } from '../scanners/finding.js';
import type { Finding } from '../scanners/finding.js';
import {
  findingKey,
  fixedText,
  overallDecision,
  plural,
  secretLocation,
  shortDigest,
  severityText,
  sortFindings,
} from './format.js';
import { renderDoc } from './markdown-doc.js';
import type { MdFold, MdSection, MdTable } from './markdown-doc.js';
import {
  code,
  codeSpan,
  escapeMarkdown,
  escapeText,
  tableHeader,
  tableRow,
} from './markdown-escape.js';

export interface MarkdownOptions {
  /** Longest output allowed (a PR comment breaks over 65,536 characters). */
  maxLength?: number;
  /** Where the full report is (the job summary URL); the truncation note links to it. */
  detailsUrl?: string;
  /** Title in the verdict line instead of `image-gate`, e.g. `image-gate (arm64)`. */
  heading?: string;
  /** Markdown heading level of the verdict line (default 3). */
  headingLevel?: number;
}

const STATUS_EMOJI: Record<RuleStatus, string> = {
  pass: '✅',
  fail: '❌',
  warn: '⚠️',
  skipped: '➖',
  error: '❗',
};

function statusEmoji(status: RuleStatus): string {
  return STATUS_EMOJI[status] ?? '❔';
}

function hashes(level: number | undefined): string {
  return '#'.repeat(Math.min(6, Math.max(1, level ?? 3)));
}

const VULN_HEADER = ['Severity', 'ID', 'Package', 'Fixed', 'Sources'];

/** One vulnerability row; shared with the `merge` report. */
export function vulnerabilityRow(f: Finding, scanners: readonly string[] = []): string {
  const only = scanners.length > 1 && f.sources.length === 1 ? ' only' : '';
  return tableRow([
    escapeMarkdown(severityText(f)),
    code(f.id),
    `${code(f.package.name)} ${code(f.package.version)}`,
    f.fixedVersions.length > 0 ? code(fixedText(f)) : 'no fix',
    escapeMarkdown(f.sources.join(', ') + only),
  ]);
}

export function vulnerabilityTable(
  title: string,
  findings: readonly Finding[],
  scanners: readonly string[] = [],
): MdTable {
  return {
    title,
    header: VULN_HEADER,
    rows: sortFindings(findings).map((f) => vulnerabilityRow(f, scanners)),
  };
}

/** `| Critical | High | … |` with the counts: what a reviewer looks at first. */
export function severityCounts(counts: Partial<Record<string, number>>): string {
  return [
    ...tableHeader(SEVERITIES.map((s) => s[0]!.toUpperCase() + s.slice(1))),
    tableRow(SEVERITIES.map((s) => String(counts[s] ?? 0))),
  ].join('\n');
}

export function countBySeverity(findings: readonly Finding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  return counts;
}

/** How many findings the scanners rate differently (the table shows both ratings). */
export function disagreementNote(findings: readonly Finding[]): string {
  const unique = new Map(findings.map((f) => [findingKey(f), f]));
  const n = [...unique.values()].filter(
    (f) => new Set(Object.values(f.severityBySource)).size > 1,
  ).length;
  return n > 0
    ? `The scanners disagree on the severity of ${plural(n, 'finding')}; the higher one gates.`
    : '';
}

function listTable(title: string, items: readonly string[]): MdTable {
  return { title, header: ['Finding'], rows: items.map((i) => tableRow([escapeText(i)])) };
}

function baseImageFold(rule: RuleResult & { rule: 'base-image' }): MdFold | undefined {
  const d: BaseImageDetails = rule.details ?? {};
  const facts: string[] = [];
  if (d.base) {
    const label = rule.status === 'pass' ? 'Matched base' : 'Closest base';
    const digest = d.base.digest ? ` ${code(shortDigest(d.base.digest))}` : '';
    facts.push(
      tableRow([label, `${code(d.base.reference)}${digest}, ${plural(d.base.layers, 'layer')}`]),
    );
  }
  if (d.sharedLayers !== undefined) facts.push(tableRow(['Shared layers', String(d.sharedLayers)]));
  if (d.firstDifferentLayer !== undefined) {
    const diff =
      d.imageDiffId || d.baseDiffId
        ? `: image ${code(shortDigest(d.imageDiffId))}, base ${code(shortDigest(d.baseDiffId))}`
        : '';
    facts.push(tableRow(['First differing layer', `#${d.firstDifferentLayer}${diff}`]));
  }
  if (facts.length === 0 && rule.findings.length === 0) return undefined;
  return {
    summary: `${statusEmoji(rule.status)} base-image: ancestry`,
    blocks: facts.length > 0 ? [[...tableHeader(['', '']), ...facts].join('\n')] : [],
    tables: rule.findings.length > 0 ? [listTable('Findings', rule.findings)] : [],
  };
}

function nonRootFold(rule: RuleResult & { rule: 'non-root' }): MdFold {
  const user = rule.details?.user ? code(rule.details.user) : 'not set (root)';
  const uid = rule.details?.uid !== undefined ? `, uid ${rule.details.uid}` : '';
  return {
    summary: `${statusEmoji(rule.status)} non-root: user`,
    blocks: [`User: ${user}${uid}`],
    tables: rule.findings.length > 0 ? [listTable('Findings', rule.findings)] : [],
  };
}

/** Only the declared, display-safe fields: the excerpt is the one place secret text may appear. */
function secretRow(s: SecretFinding): string {
  return tableRow([
    escapeMarkdown(s.kind),
    s.layerIndex !== undefined ? String(s.layerIndex) : '-',
    code(secretLocation(s)),
    `${escapeText(s.title)} (${code(s.detector)})`,
    code(s.excerpt),
  ]);
}

function secretsFold(rule: RuleResult & { rule: 'secrets' }): MdFold | undefined {
  if (rule.findings.length === 0) return undefined;
  return {
    summary: `${statusEmoji(rule.status)} secrets: ${plural(rule.findings.length, 'finding')}`,
    blocks: [],
    tables: [
      {
        title: 'Secrets',
        header: ['Kind', 'Layer', 'Location', 'Detector', 'Excerpt (redacted)'],
        rows: rule.findings.map(secretRow),
      },
    ],
  };
}

function waiverTables(d: VulnerabilityDetails): MdTable[] {
  const tables: MdTable[] = [];
  if (d.waived.length > 0) {
    tables.push({
      title: 'Waived',
      header: ['ID', 'Package', 'Severity', 'Reason', 'Expires'],
      rows: d.waived.map((w) =>
        tableRow([
          code(w.finding.id),
          `${code(w.finding.package.name)} ${code(w.finding.package.version)}`,
          escapeMarkdown(severityText(w.finding)),
          escapeText(w.waiver.reason),
          `${escapeMarkdown(w.waiver.expires)}${w.expiringSoon ? ' ⏳ expiring soon' : ''}`,
        ]),
      ),
    });
  }
  if (d.expiredWaivers.length > 0) {
    tables.push({
      title: 'Expired waivers (no longer applied)',
      header: ['ID', 'Package', 'Reason', 'Expired'],
      rows: d.expiredWaivers.map((w) =>
        tableRow([
          code(w.id),
          w.package ? code(w.package) : 'any',
          escapeText(w.reason),
          escapeMarkdown(w.expires),
        ]),
      ),
    });
  }
  return tables;
}

function vulnerabilitiesFold(rule: RuleResult & { rule: 'vulnerabilities' }): MdFold | undefined {
  const d = rule.details;
  if (!d) {
    if (rule.findings.length === 0) return undefined;
    return {
      summary: `${statusEmoji(rule.status)} vulnerabilities: ${plural(rule.findings.length, 'finding')}`,
      blocks: [disagreementNote(rule.findings)],
      tables: [vulnerabilityTable('Findings', rule.findings)],
    };
  }
  const listed = new Set([...d.failing, ...d.waived.map((w) => w.finding)].map(findingKey));
  const others = rule.findings.filter((f) => !listed.has(findingKey(f)));
  const only = Object.entries(d.onlyIn)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([scanner, n]) => `only ${escapeMarkdown(scanner)} found ${plural(n ?? 0, 'finding')}`);
  const scope = d.scope === 'own-layers' ? 'own layers only' : 'all layers';
  const blocks = [
    severityCounts(d.counts),
    `Fails at **${escapeMarkdown(d.threshold)}** and above · ${scope} · scanners: ${
      d.scanners.length > 0 ? escapeMarkdown(d.scanners.join(', ')) : 'none'
    }`,
    only.length > 0 ? `${only.join('; ')}.`.replace(/^o/, 'O') : '',
    disagreementNote([...d.failing, ...rule.findings, ...d.waived.map((w) => w.finding)]),
  ];
  const parts = [
    plural(d.failing.length, 'failing finding'),
    d.waived.length > 0 ? `${d.waived.length} waived` : '',
    d.expiredWaivers.length > 0 ? plural(d.expiredWaivers.length, 'expired waiver') : '',
  ].filter((p) => p !== '');
  const tables = [
    ...(d.failing.length > 0 ? [vulnerabilityTable('Failing', d.failing, d.scanners)] : []),
    ...waiverTables(d),
    ...(others.length > 0 ? [vulnerabilityTable('Other findings', others, d.scanners)] : []),
  ];
  return {
    summary: `${statusEmoji(rule.status)} vulnerabilities: ${parts.join(', ')}`,
    blocks,
    tables,
  };
}

function ruleFold(rule: RuleResult): MdFold | undefined {
  const fold = (() => {
    switch (rule.rule) {
      case 'base-image':
        return baseImageFold(rule);
      case 'non-root':
        return nonRootFold(rule);
      case 'secrets':
        return secretsFold(rule);
      case 'vulnerabilities':
        return vulnerabilitiesFold(rule);
      default:
        return undefined;
    }
  })();
  if (rule.status !== 'error' || !rule.error) return fold;
  // An error is why the verdict failed: it goes first in the fold, never truncated.
  const error = `**Error:** ${escapeText(rule.error)}`;
  if (fold) return { ...fold, blocks: [error, ...fold.blocks] };
  return { summary: `${statusEmoji('error')} ${rule.rule}: error`, blocks: [error], tables: [] };
}

function verdictLine(v: Verdict, options: MarkdownOptions, level: number | undefined): string {
  const emoji = v.decision === 'pass' ? '✅' : '❌';
  const title = escapeText(options.heading ?? 'image-gate');
  return `${hashes(level)} ${emoji} ${title}: ${v.decision.toUpperCase()} — ${codeSpan(v.image.reference)}`;
}

function imageSection(v: Verdict, options: MarkdownOptions, level: number | undefined): MdSection {
  const policy = v.policy.builtIn ? 'built-in policy' : `policy ${code(v.policy.source)}`;
  const meta = [
    code(v.image.digest),
    escapeMarkdown(v.image.platform),
    `${policy} ${code(shortDigest(v.policy.digest))}`,
    `${escapeMarkdown(v.tool.name)} ${escapeMarkdown(v.tool.version)}`,
  ].join(' · ');
  const rules = [
    ...tableHeader(['', 'Rule', 'Summary']),
    ...v.rules.map((r) => {
      const error = r.status === 'error' && r.error ? ` — ${escapeText(r.error)}` : '';
      return tableRow([
        statusEmoji(r.status),
        escapeMarkdown(r.rule),
        escapeText(r.summary) + error,
      ]);
    }),
  ].join('\n');
  const folds = v.rules.map(ruleFold).filter((f): f is MdFold => f !== undefined);
  return { title: verdictLine(v, options, level), head: [meta, rules], folds };
}

/**
 * The job summary / PR comment for one image: the verdict line, one table row per rule, then
 * the details folded. Never longer than `maxLength`.
 */
export function renderMarkdown(verdict: Verdict, options: MarkdownOptions = {}): string {
  return renderDoc(
    { top: [], sections: [imageSection(safeDeep(verdict), options, options.headingLevel)] },
    options,
  );
}

/** Several images in one job summary: the overall verdict and one row per image first. */
export function renderMarkdownMany(
  input: readonly Verdict[],
  options: MarkdownOptions = {},
): string {
  if (input.length === 1) return renderMarkdown(input[0]!, options);
  const verdicts = safeDeep(input);
  const level = options.headingLevel ?? 3;
  const decision = overallDecision(verdicts);
  const failed = verdicts.filter((v) => v.decision === 'fail').length;
  const title = escapeText(options.heading ?? 'image-gate');
  const top = [
    `${hashes(level)} ${decision === 'pass' ? '✅' : '❌'} ${title}: ${decision.toUpperCase()} — ${failed} of ${plural(verdicts.length, 'image')} failed`,
    [
      ...tableHeader(['', 'Image', 'Digest']),
      ...verdicts.map((v) =>
        tableRow([
          v.decision === 'pass' ? '✅' : '❌',
          code(v.image.reference),
          code(shortDigest(v.image.digest)),
        ]),
      ),
    ].join('\n'),
  ];
  const sections = verdicts.map((v) =>
    imageSection(v, { ...options, heading: undefined }, level + 1),
  );
  return renderDoc({ top, sections }, options);
}
