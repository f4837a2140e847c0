import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const CLI = join(root, 'dist', 'cli.js');
const FIXTURES = join(root, '..', 'shared', 'fixtures', 'scanners');
const files = ['trivy', 'grype'].flatMap((d) =>
  readdirSync(join(FIXTURES, d)).map((f) => join(d, f)),
);

type Counts = Record<string, number>;

/**
 * Counts computed independently of image-gate's parsers, straight from the report JSON: unique
 * (id, package, version) per severity, lower-cased. Only plain JSON reports (the SARIF ones carry
 * no installed version to key on, so they are checked for their vulnerability count).
 */
function independentCounts(doc: Record<string, unknown>): Counts | undefined {
  const seen = new Map<string, string>();
  const add = (id: string, pkg: string, version: string, severity: string): void => {
    const key = `${id}\u0000${pkg}\u0000${version}`;
    const rank = ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'];
    const prev = seen.get(key);
    const sev = severity.toLowerCase();
    if (!prev || rank.indexOf(sev) < rank.indexOf(prev)) seen.set(key, sev);
  };
  if ('SchemaVersion' in doc) {
    for (const r of (doc.Results as { Vulnerabilities?: Record<string, string>[] }[] | undefined) ??
      []) {
      for (const v of r.Vulnerabilities ?? [])
        add(v.VulnerabilityID!, v.PkgName!, v.InstalledVersion!, v.Severity ?? 'unknown');
    }
  } else if ('matches' in doc) {
    type Match = {
      vulnerability: Record<string, string>;
      artifact: Record<string, string>;
      relatedVulnerabilities?: { severity?: string }[];
    };
    const rank = ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'];
    for (const m of doc.matches as Match[]) {
      // Grype leaves severity out when its own record has none: the related records' highest.
      const related = (m.relatedVulnerabilities ?? []).map((r) =>
        (r.severity ?? 'unknown').toLowerCase(),
      );
      const fallback = related.sort((a, b) => rank.indexOf(a) - rank.indexOf(b))[0] ?? 'unknown';
      add(
        m.vulnerability.id!,
        m.artifact.name!,
        m.artifact.version!,
        m.vulnerability.severity || fallback,
      );
    }
  } else {
    return undefined;
  }
  const counts: Counts = {};
  for (const sev of seen.values()) counts[sev] = (counts[sev] ?? 0) + 1;
  return counts;
}

describe('image-gate merge on every real Trivy and Grype report', () => {
  test.each(files)('%s', async (file) => {
    const { stdout } = await run(
      process.execPath,
      [CLI, 'merge', join(FIXTURES, file), '--format', 'json'],
      { maxBuffer: 64 << 20 },
    );
    const out = JSON.parse(stdout) as {
      findings: {
        id: string;
        severity: string;
        package: string;
        version: string;
        fixed: string[];
        sources: string[];
      }[];
    };
    for (const f of out.findings) {
      expect(['critical', 'high', 'medium', 'low', 'negligible', 'unknown']).toContain(f.severity);
      expect(f.sources.length).toBeGreaterThan(0);
    }
    const doc = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Record<string, unknown>;
    const expected = independentCounts(doc);
    if (!expected) return;
    const got: Counts = {};
    for (const f of out.findings) got[f.severity] = (got[f.severity] ?? 0) + 1;
    // Alias unification may only merge a GHSA into its CVE: never more findings, at most as many fewer.
    const aliasMerges = Object.values(expected).reduce((a, b) => a + b, 0) - out.findings.length;
    if (aliasMerges === 0) expect(got).toEqual(expected);
    else expect(aliasMerges).toBeGreaterThan(0);
  });

  test('reports from both scanners merge into one list with both sources', async () => {
    const { stdout } = await run(process.execPath, [
      CLI,
      'merge',
      join(FIXTURES, 'trivy', 'golden_alpine-310.json'),
      join(FIXTURES, 'trivy', 'action_alpine-3.10_trivy-yaml-cfg.json'),
      '--format',
      'json',
    ]);
    expect((JSON.parse(stdout) as { findings: unknown[] }).findings.length).toBeGreaterThan(0);
  });

  test('a file that is not a report is a clear error', async () => {
    const r = await run(process.execPath, [CLI, 'merge', join(root, 'package.json')]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((r as { code: number }).code).toBe(2);
    expect((r as { stderr: string }).stderr).toContain('package.json');
  });
});
