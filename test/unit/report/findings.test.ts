import { describe, expect, test } from 'vitest';
import {
  renderFindingsJson,
  renderFindingsMarkdown,
  renderFindingsTable,
} from '../../../src/report/findings.js';
import { finding } from './builders.js';

const findings = [
  finding({ id: 'CVE-2024-0002', pkg: 'zlib', severity: 'low' }),
  finding({
    id: 'CVE-2024-0001',
    pkg: 'openssl',
    severity: 'critical',
    aliases: ['GHSA-xxxx-yyyy-zzzz'],
  }),
  finding({ id: 'CVE-2024-0001', pkg: 'libssl', severity: 'critical' }),
  finding({
    id: 'CVE-2023-0009',
    pkg: 'busybox',
    severity: 'high',
    severityBySource: { grype: 'high', trivy: 'medium' },
    fixedVersions: [],
    sources: ['grype'],
  }),
];

describe('merge output', () => {
  test('JSON has exactly the documented keys, in order, sorted by severity, id, package', () => {
    const parsed = JSON.parse(renderFindingsJson(findings)) as {
      findings: Record<string, unknown>[];
    };
    expect(Object.keys(parsed)).toEqual(['findings']);
    for (const f of parsed.findings) {
      expect(Object.keys(f).slice(0, 6)).toEqual([
        'id',
        'package',
        'version',
        'severity',
        'fixed',
        'sources',
      ]);
      expect(
        Object.keys(f)
          .slice(6)
          .every((k) => ['aliases', 'type', 'severityBySource'].includes(k)),
      ).toBe(true);
      expect(['critical', 'high', 'medium', 'low', 'negligible', 'unknown']).toContain(f.severity);
    }
    expect(parsed.findings.map((f) => `${f.severity} ${f.id} ${f.package}`)).toEqual([
      'critical CVE-2024-0001 libssl',
      'critical CVE-2024-0001 openssl',
      'high CVE-2023-0009 busybox',
      'low CVE-2024-0002 zlib',
    ]);
    expect(parsed.findings[1]).toMatchObject({
      id: 'CVE-2024-0001',
      package: 'openssl',
      version: '3.0.1',
      fixed: ['3.0.2'],
      sources: ['trivy', 'grype'],
      aliases: ['GHSA-xxxx-yyyy-zzzz'],
    });
    expect(parsed.findings[2]!.fixed).toEqual([]);
    expect(JSON.parse(renderFindingsJson([]))).toEqual({ findings: [] });
  });

  test('table lists every finding, highest severity first', () => {
    const text = renderFindingsTable(findings);
    const rows = text.split('\n').filter((l) => /CVE-/.test(l));
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatch(/^ {2}critical +CVE-2024-0001 +libssl@3\.0\.1/);
    expect(rows[2]).toMatch(
      /medium \(trivy\) \/ high \(grype\) +CVE-2023-0009 +busybox@3\.0\.1 +no fix +grype/,
    );
    expect(text.split('\n')[0]).toBe('4 findings: critical 2, high 1, low 1');
  });

  test('markdown: counts then the findings table, truncated within maxLength', () => {
    const text = renderFindingsMarkdown(findings);
    expect(text.split('\n')[0]).toBe('### image-gate merge: 4 findings');
    expect(text).toContain('| 2 | 1 | 0 | 1 | 0 | 0 |');
    expect(text).toContain('grype only');
    const many = Array.from({ length: 5000 }, (_, i) =>
      finding({ id: `CVE-2024-${i}`, pkg: `p${i}` }),
    );
    const short = renderFindingsMarkdown(many, { maxLength: 10_000 });
    expect(short.length).toBeLessThanOrEqual(10_000);
    expect(short).toMatch(/more findings not shown/);
  });
});
