import { safeDeep } from '../redact.js';
import { SEVERITIES } from '../scanners/finding.js';
import { VERSION } from '../version.js';
import type { Finding } from '../scanners/finding.js';
import { plural, sortFindings } from './format.js';
import { ordered, stringify } from './json.js';
import { renderDoc } from './markdown-doc.js';
import {
  countBySeverity,
  disagreementNote,
  severityCounts,
  vulnerabilityTable,
} from './markdown.js';
import type { MarkdownOptions } from './markdown.js';
import { addVulnerability, SarifRun } from './sarif.js';
import type { SarifOptions } from './sarif.js';
import { Painter, table, VULNERABILITY_HEADER, vulnerabilityRows } from './table.js';
import type { TableOptions } from './table.js';
import { escapeText } from './markdown-escape.js';

/*
 * Output of `image-gate merge REPORT…`: the scanners' findings merged, with no verdict. Each
 * format reuses the vulnerability parts of the check reports.
 */

/**
 * `{"findings":[{"id","package","version","severity","fixed","sources", …}]}`: the package
 * flattened to its name and version, the fields scripts filter on first, extras after.
 */
export function renderFindingsJson(input: readonly Finding[]): string {
  return stringify({
    findings: sortFindings(safeDeep(input)).map((f) =>
      ordered(
        {
          id: f.id,
          package: f.package.name,
          version: f.package.version,
          severity: f.severity,
          fixed: f.fixedVersions,
          sources: f.sources,
          aliases: f.aliases,
          type: f.package.type,
          severityBySource: f.severityBySource,
        },
        [
          'id',
          'package',
          'version',
          'severity',
          'fixed',
          'sources',
          'aliases',
          'type',
          'severityBySource',
        ],
        { severityBySource: (s: object) => ordered(s, ['trivy', 'grype']) },
      ),
    ),
  });
}

function scannersOf(findings: readonly Finding[]): string[] {
  return [...new Set(findings.flatMap((f) => f.sources))].sort();
}

export function renderFindingsTable(input: readonly Finding[], options: TableOptions = {}): string {
  const findings = safeDeep(input);
  const p = new Painter(options.color === true);
  const counts = countBySeverity(findings);
  const bySeverity = SEVERITIES.filter((sev) => counts[sev]).map((sev) => `${sev} ${counts[sev]}`);
  const summary = [plural(findings.length, 'finding'), bySeverity.join(', ')]
    .filter((x) => x !== '')
    .join(': ');
  const rows =
    findings.length > 0 ? table(VULNERABILITY_HEADER, vulnerabilityRows(findings), p) : [];
  return `${[summary, ...(rows.length > 0 ? ['', ...rows] : [])].join('\n')}\n`;
}

export function renderFindingsMarkdown(
  input: readonly Finding[],
  options: MarkdownOptions = {},
): string {
  const findings = safeDeep(input);
  const level = '#'.repeat(Math.min(6, Math.max(1, options.headingLevel ?? 3)));
  const title = escapeText(options.heading ?? 'image-gate merge');
  return renderDoc(
    {
      top: [],
      sections: [
        {
          title: `${level} ${title}: ${plural(findings.length, 'finding')}`,
          head: [severityCounts(countBySeverity(findings)), disagreementNote(findings)],
          folds:
            findings.length > 0
              ? [
                  {
                    summary: `Findings (${findings.length})`,
                    blocks: [],
                    tables: [vulnerabilityTable('Findings', findings, scannersOf(findings))],
                    open: true,
                  },
                ]
              : [],
        },
      ],
    },
    options,
  );
}

/** Every merged finding is a `warning`: with no policy there is no gate to fail. */
export function renderFindingsSarif(
  findings: readonly Finding[],
  options: SarifOptions & { level?: 'error' | 'warning' } = {},
): string {
  const run = new SarifRun(options);
  for (const f of sortFindings(safeDeep(findings)))
    addVulnerability(run, f, { level: options.level ?? 'warning' });
  return run.render(VERSION);
}
