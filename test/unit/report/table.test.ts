import { describe, expect, test } from 'vitest';
import { renderTable, renderTableMany } from '../../../src/report/table.js';
import { failingVerdict, rules, secret, verdict } from './builders.js';

const ESC = '\u001b';

describe('renderTable', () => {
  test('verdict line, identity, one line per rule, then findings', () => {
    const text = renderTable(failingVerdict());
    const l = text.split('\n');
    expect(l[0]).toBe('✖ FAIL  docker://ghcr.io/acme/app:1.2.3');
    expect(l[1]).toMatch(/^ {2}digest +sha256:a{64}$/);
    expect(l[3]).toMatch(/^ {2}policy +\.image-gate\.yml \(sha256:b{12}\)$/);
    expect(l.slice(5, 9)).toEqual([
      '  ✖ fail  base-image       not built on an allowed base',
      '  ✖ fail  non-root         runs as root (uid 0)',
      '  ✖ fail  secrets          2 secrets found',
      '  ✖ fail  vulnerabilities  2 findings at or above high',
    ]);
    expect(text).toMatch(/closest base +docker\.io\/library\/alpine:3\.20/);
    expect(text).toMatch(/first differing layer +#0/);
    expect(text).toMatch(/file +3 +\/app\/\.env:2 +aws-access-key-id +AWS_ACCESS_KEY_ID=AKIA\*+/);
    expect(text).toMatch(
      /high \(trivy\) \/ critical \(grype\) +CVE-2024-9999 +libcurl@8\.0\.0 +3\.0\.2 +trivy,grype/,
    );
    expect(text).toContain('(expiring soon)');
    expect(text).not.toContain(ESC);
  });

  test('a pass starts with ✔ PASS', () => {
    expect(renderTable(verdict()).split('\n')[0]).toBe('✔ PASS  docker://ghcr.io/acme/app:1.2.3');
  });

  test('colours only when asked', () => {
    const text = renderTable(failingVerdict(), { color: true });
    expect(text).toContain(`${ESC}[31m✖ FAIL${ESC}[0m`);
    // Padding is computed on the plain text: stripping colours gives the plain report.
    // eslint-disable-next-line no-control-regex
    expect(text.replace(/\u001b\[\d+m/g, '')).toBe(renderTable(failingVerdict()));
  });

  test('control characters from the image are shown, not sent to the terminal', () => {
    const v = verdict({ rules: [rules.secrets([secret({ path: `/x\n${ESC}]0;pwned\u0007` })])] });
    const text = renderTable(v);
    expect(text).not.toContain(ESC);
    expect(text).not.toContain('\u0007');
    expect(text).toContain('/x\\n\\x1b]0;pwned\\x07');
  });

  test('several images end with the overall decision', () => {
    const text = renderTableMany([verdict(), failingVerdict()]);
    expect(text.trimEnd().split('\n').at(-1)).toBe('✖ FAIL: 1 of 2 images failed');
  });
});
