import { describe, expect, test } from 'vitest';
import { renderMarkdown, renderMarkdownMany } from '../../../src/report/markdown.js';
import type { Verdict } from '../../../src/policy/verdict.js';
import { failingVerdict, finding, rules, secret, verdict } from './builders.js';

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

function tagsBalanced(text: string): boolean {
  const opens = text.match(/<details( open)?>/g)?.length ?? 0;
  const closes = text.match(/<\/details>/g)?.length ?? 0;
  const summaries = text.match(/<summary>/g)?.length ?? 0;
  // Every opened block is closed, and no closing tag comes before its opening one.
  let depth = 0;
  for (const tag of text.match(/<\/?details( open)?>/g) ?? []) {
    depth += tag.startsWith('</') ? -1 : 1;
    if (depth < 0 || depth > 1) return false;
  }
  return opens === closes && summaries === opens && depth === 0;
}

function bigVerdict(n: number): Verdict {
  const secrets = Array.from({ length: n }, (_, i) =>
    secret({ path: `/srv/data/file-${i}.env`, line: i + 1 }),
  );
  const vulns = Array.from({ length: n }, (_, i) =>
    finding({ id: `CVE-2024-${10000 + i}`, pkg: `pkg-${i}`, severity: 'critical' }),
  );
  return verdict({
    rules: [rules.baseImage(), rules.secrets(secrets), rules.vulnerabilities(vulns)],
  });
}

describe('renderMarkdown', () => {
  test('verdict first, then one table row per rule, then folded details', () => {
    const text = renderMarkdown(failingVerdict());
    const l = lines(text);
    expect(l[0]).toBe('### ❌ image-gate: FAIL — `docker://ghcr.io/acme/app:1.2.3`');
    const header = l.indexOf('|  | Rule | Summary |');
    expect(header).toBeGreaterThan(0);
    expect(l.slice(header + 2, header + 6).map((r) => r.split(' | ')[1])).toEqual([
      'base-image',
      'non-root',
      'secrets',
      'vulnerabilities',
    ]);
    expect(l[header + 2]!.startsWith('| ❌ |')).toBe(true);
    const firstDetails = l.findIndex((x) => x.startsWith('<details>'));
    expect(firstDetails).toBe(header + 6);
    expect(tagsBalanced(text)).toBe(true);
  });

  test('a passing verdict says PASS', () => {
    expect(lines(renderMarkdown(verdict()))[0]).toBe(
      '### ✅ image-gate: PASS — `docker://ghcr.io/acme/app:1.2.3`',
    );
    expect(lines(renderMarkdown(verdict(), { heading: 'gate', headingLevel: 2 }))[0]).toMatch(
      /^## ✅ gate: PASS/,
    );
  });

  test('vulnerability details: counts, disagreements, waivers, expiring, only-one-scanner', () => {
    const text = renderMarkdown(failingVerdict());
    expect(text).toContain('| Critical | High | Medium | Low | Negligible | Unknown |');
    expect(text).toContain('| 1 | 2 | 0 | 4 | 0 | 0 |');
    expect(text).toContain('high (trivy) / critical (grype)');
    expect(text).toContain('⏳ expiring soon');
    expect(text).toContain('Expired waivers');
    expect(text).toContain('<code>CVE-2020-0001</code>');
    expect(text).toContain('Only trivy found 1 finding');
    expect(text).toContain('trivy only');
    expect(text).toContain('The scanners disagree on the severity of 1 finding;');
  });

  test('image-derived text cannot break the table or inject HTML', () => {
    const hostile = secret({
      path: '/app/a|b/<script>alert(1)</script>`x`\n| injected | row |</details>',
      excerpt: 'KEY=**** <img src=x> | `tick`',
    });
    const v = verdict({
      rules: [{ ...rules.secrets([hostile]), summary: 'found in <b>/x|y</b> by @someone' }],
    });
    const text = renderMarkdown(v);
    expect(text).not.toContain('<script>');
    expect(text).not.toContain('<img');
    expect(text).not.toContain('<b>');
    expect(text).toContain('&lt;script&gt;');
    expect(text).toContain('a\\|b');
    expect(tagsBalanced(text)).toBe(true);
    // The newline in the path is shown, not obeyed: the row stays one line with 5 cells.
    const row = text.split('\n').find((l) => l.includes('alert(1)'))!;
    expect(row).toContain('\\\\n');
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(5);
    const summaryRow = text.split('\n').find((l) => l.includes('found in'))!;
    expect(summaryRow).toContain('/x\\|y');
    expect(summaryRow).toContain('@\u200bsomeone');
  });

  test('truncation never exceeds maxLength and keeps <details> balanced', () => {
    const v = bigVerdict(5000);
    const full = renderMarkdown(v);
    expect(full.length).toBeGreaterThan(65_536);
    for (const maxLength of [65_536, 20_000, 3_000, 800, 120, 10]) {
      const text = renderMarkdown(v, { maxLength });
      expect(text.length).toBeLessThanOrEqual(maxLength);
      expect(tagsBalanced(text)).toBe(true);
    }
    const text = renderMarkdown(v, { maxLength: 65_536 });
    expect(text.length).toBeGreaterThan(60_000);
    expect(lines(text)[0]).toMatch(/^### ❌ image-gate: FAIL/);
    expect(text).toMatch(/… [\d,]+ more findings not shown; see the job summary\.\n$/);
    // Both large tables keep rows: one rule does not crowd out the other.
    expect(text).toContain('/srv/data/file-0.env');
    expect(text).toContain('CVE-2024-10000');
  });

  test('when even the rules table does not fit, the verdict line and the note remain', () => {
    const text = renderMarkdown(bigVerdict(50), { maxLength: 150 });
    expect(text.length).toBeLessThanOrEqual(150);
    expect(lines(text)).toEqual([
      '### ❌ image-gate: FAIL — `docker://ghcr.io/acme/app:1.2.3`',
      '… 100 more findings not shown; see the job summary.',
    ]);
  });

  test('the truncation note links to detailsUrl when given', () => {
    const text = renderMarkdown(bigVerdict(500), {
      maxLength: 5_000,
      detailsUrl: 'https://github.com/o/r/actions/runs/1',
    });
    expect(text.length).toBeLessThanOrEqual(5_000);
    expect(text).toContain('see [the full report](https://github.com/o/r/actions/runs/1).');
  });

  test('output that fits is not changed by maxLength', () => {
    const v = failingVerdict();
    expect(renderMarkdown(v, { maxLength: 65_536 })).toBe(renderMarkdown(v));
  });

  test('an errored rule shows its error', () => {
    const v = verdict({
      rules: [
        {
          ...rules.vulnerabilities(),
          status: 'error',
          summary: 'scan failed',
          error: 'trivy exited 2',
        },
      ],
    });
    const text = renderMarkdown(v);
    expect(text).toContain('| ❗ | vulnerabilities | scan failed — trivy exited 2 |');
    expect(text).toContain('**Error:** trivy exited 2');
  });
});

describe('renderMarkdownMany', () => {
  test('overall verdict first, one row per image, then each image', () => {
    const text = renderMarkdownMany([verdict(), failingVerdict()]);
    const l = lines(text);
    expect(l[0]).toBe('### ❌ image-gate: FAIL — 1 of 2 images failed');
    expect(l[3]).toMatch(/^\| ✅ \|/);
    expect(l[4]).toMatch(/^\| ❌ \|/);
    expect(l.filter((x) => x.startsWith('#### '))).toHaveLength(2);
    expect(tagsBalanced(text)).toBe(true);
  });

  test('respects maxLength across images', () => {
    const text = renderMarkdownMany([bigVerdict(3000), bigVerdict(3000)], { maxLength: 65_536 });
    expect(text.length).toBeLessThanOrEqual(65_536);
    expect(tagsBalanced(text)).toBe(true);
  });
});
