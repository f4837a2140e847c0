import { describe, expect, test } from 'vitest';
import { detectReport } from '../../../src/scanners/detect.js';
import type { Finding, ScanReport } from '../../../src/scanners/finding.js';
import { mergeFindings } from '../../../src/scanners/merge.js';
import { expectedFigures, fixtureFiles, readFixture } from './fixtures.js';
import type { ExpectedFigures } from './fixtures.js';

/*
 * Every real report in the shared fixtures folder is parsed and compared with the figures that
 * expected.py computed (expected.json). Parsers keep one finding per entry the scanner lists, so
 * the raw figures compare directly; merging then collapses entries per (id, package, version),
 * and those figures are recomputed here from the raw JSON, independently of the parsers.
 */

const RANKS = ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'];

/**
 * Where the alias rule changes a count: a GHSA match and a CVE match of the same package, the
 * GHSA's relatedVulnerabilities naming that one CVE, become one finding under the CVE id.
 */
const ALIAS_UNIFIED: Record<string, Record<string, string>> = {
  // httpclient 4.1.1: GHSA-cfh5-3ghh-wfjx (fixed in 4.3.5) is CVE-2014-3577 (an NVD CPE match).
  'grype/explain_ghsa-test.json': { 'GHSA-cfh5-3ghh-wfjx': 'CVE-2014-3577' },
  // uri 0.10.1: GHSA-hv5j-3h9f-99c2 (fixed in 0.10.2) is CVE-2023-28755 (matched without a fix).
  'grype/explain_chainguard-ruby-test.json': { 'GHSA-hv5j-3h9f-99c2': 'CVE-2023-28755' },
};

/** One listed entry, read straight from the raw JSON as expected.py defines it. */
interface RawEntry {
  id: string;
  pkg: string;
  version: string;
  severity: string;
  fixed: boolean;
  /** Grype: the highest severity among relatedVulnerabilities. */
  related?: string;
}

const FORMATS: Record<string, ScanReport['format']> = {
  'trivy-json': 'trivy-json',
  'grype-json': 'grype-json',
  'sarif/trivy': 'trivy-sarif',
  'sarif/grype': 'grype-sarif',
};

test('the folder holds exactly the reports expected.json describes', () => {
  expect(fixtureFiles()).toEqual(Object.keys(expectedFigures).sort());
});

describe.each(fixtureFiles())('%s', (file) => {
  const raw = readFixture(file);
  const figures = expectedFigures[file]!;
  const report = detectReport(raw, file);
  const entries = rawEntries(raw, figures);

  test('is recognised as the format expected.py found', () => {
    const key = figures.format === 'sarif' ? `sarif/${figures.tool.toLowerCase()}` : figures.format;
    expect(report.format).toBe(FORMATS[key]);
  });

  test('lists one finding per vulnerability entry, and no secrets or misconfigurations', () => {
    expect(report.findings).toHaveLength(figures.vulnerabilities);
    expect(entries).toHaveLength(figures.vulnerabilities);
  });

  test('gives each entry the severity expected.json counts', () => {
    expect(severityTable(report.findings.map((f) => f.severity))).toEqual(
      expectedSeverities(figures, entries),
    );
  });

  test('finds a fix for as many entries as expected.json', () => {
    expect(report.findings.filter((f) => f.fixedVersions.length > 0)).toHaveLength(
      figures.with_fix,
    );
  });

  test('has as many distinct (id, package, version) as expected.json', () => {
    const distinct = new Set(report.findings.map(keyOf));
    expect(distinct.size).toBe(
      figures.unique_vuln_pkg_version ?? new Set(entries.map(rawKey)).size,
    );
  });

  test('merges to one finding per canonical (id, package, version)', () => {
    const merged = mergeFindings(report.findings);
    const groups = groupRaw(entries, ALIAS_UNIFIED[file] ?? {});
    expect(merged).toHaveLength(groups.length);
    expect(severityTable(merged.map((f) => f.severity))).toEqual(
      severityTable(groups.map((g) => g.severity)),
    );
    expect(merged.filter((f) => f.fixedVersions.length > 0)).toHaveLength(
      groups.filter((g) => g.fixed).length,
    );
  });
});

/** expected.json's per-entry severities in our words. */
function expectedSeverities(figures: ExpectedFigures, entries: RawEntry[]): Record<string, number> {
  const words: string[] = [];
  for (const [word, count] of Object.entries(figures.by_severity)) {
    if (word !== '(missing)') words.push(...Array<string>(count).fill(word.toLowerCase()));
  }
  // Grype omits `severity` when empty; the parser then takes the related records' highest.
  words.push(...entries.filter((e) => e.severity === '(missing)').map(relatedSeverityOf));
  return severityTable(words);
}

function relatedSeverityOf(entry: RawEntry): string {
  return entry.related ?? 'unknown';
}

function severityTable(words: string[]): Record<string, number> {
  return Object.fromEntries(RANKS.map((r) => [r, words.filter((w) => w === r).length]));
}

function keyOf(f: Finding): string {
  return [f.id, f.package.name, f.package.version].join(' ');
}

function rawKey(e: RawEntry): string {
  return [e.id, e.pkg, e.version].join(' ');
}

/** Entries grouped by (id after alias unification, package, version): highest severity, any fix. */
function groupRaw(entries: RawEntry[], aliases: Record<string, string>) {
  const groups = new Map<string, { severity: string; fixed: boolean }>();
  for (const e of entries) {
    const key = rawKey({ ...e, id: aliases[e.id] ?? e.id });
    const severity = e.severity === '(missing)' ? relatedSeverityOf(e) : e.severity;
    const g = groups.get(key);
    groups.set(key, {
      severity: g && RANKS.indexOf(g.severity) < RANKS.indexOf(severity) ? g.severity : severity,
      fixed: (g?.fixed ?? false) || e.fixed,
    });
  }
  return [...groups.values()];
}

// ---- Reading the raw JSON the way expected.py does (see its docstring). ----

type J = Record<string, unknown>;
const o = (v: unknown): J => (v && typeof v === 'object' ? (v as J) : {});
const a = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const s = (v: unknown): string => (typeof v === 'string' ? v : '');
const line = (text: string, label: string) =>
  new RegExp(`^${label}: ?(.*)$`, 'm').exec(text)?.[1]?.trim();

function rawEntries(doc: unknown, figures: ExpectedFigures): RawEntry[] {
  const d = o(doc);
  if (figures.format === 'trivy-json') {
    return a(d.Results).flatMap((r) =>
      a(o(r).Vulnerabilities).map((raw) => {
        const v = o(raw);
        const severity = s(v.Severity).toLowerCase() || '(missing)';
        const fixed = s(v.FixedVersion) !== '';
        return {
          id: s(v.VulnerabilityID),
          pkg: s(v.PkgName),
          version: s(v.InstalledVersion),
          severity,
          fixed,
        };
      }),
    );
  }
  if (figures.format === 'grype-json') return grypeEntries(d);
  return figures.tool.toLowerCase() === 'trivy' ? trivySarifEntries(d) : grypeSarifEntries(d);
}

function grypeEntries(d: J): RawEntry[] {
  return a(d.matches).map((raw) => {
    const m = o(raw);
    const v = o(m.vulnerability);
    const fixed = 'fix' in v ? o(v.fix).state === 'fixed' : s(v.fixedInVersion) !== '';
    const severity = 'severity' in v ? s(v.severity).toLowerCase() : '(missing)';
    const related = a(m.relatedVulnerabilities).map((r) => s(o(r).severity).toLowerCase());
    const artifact = o(m.artifact);
    return {
      id: s(v.id),
      pkg: s(artifact.name),
      version: s(artifact.version),
      severity,
      fixed,
      related: RANKS.find((rank) => related.includes(rank)),
    };
  });
}

function sarifResults(d: J): { result: J; rule: J }[] {
  return a(d.runs).flatMap((run) => {
    const rules = a(o(o(o(run).tool).driver).rules).map(o);
    return a(o(run).results).map((r) => {
      const result = o(r);
      const index = typeof result.ruleIndex === 'number' ? result.ruleIndex : -1;
      return { result, rule: rules[index] ?? rules.find((x) => x.id === result.ruleId) ?? {} };
    });
  });
}

function trivySarifEntries(d: J): RawEntry[] {
  return sarifResults(d)
    .filter(({ rule }) => s(rule.name).endsWith('Vulnerability'))
    .map(({ result }) => {
      const text = s(o(result.message).text);
      return {
        id: s(result.ruleId),
        pkg: line(text, 'Package') ?? '',
        version: line(text, 'Installed Version') ?? '',
        severity: (line(text, 'Severity') ?? '(missing)').toLowerCase(),
        fixed: (line(text, 'Fixed Version') ?? '') !== '',
      };
    });
}

function grypeSarifEntries(d: J): RawEntry[] {
  return sarifResults(d).map(({ result, rule }) => {
    const help = s(o(rule.help).text);
    const m = /^A (\w+) vulnerability in \S+ package: (.+), version (\S+)/.exec(
      s(o(result.message).text),
    );
    return {
      id: /^Vulnerability (\S+)/.exec(help)?.[1] ?? '',
      pkg: m?.[2] ?? '',
      version: m?.[3] ?? '',
      severity: m?.[1] ?? '(missing)',
      fixed: (line(help, 'Fix Version') ?? '') !== '',
    };
  });
}
