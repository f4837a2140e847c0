import { describe, expect, test } from 'vitest';
import { planScans } from '../../../src/scanners/plan.js';

describe('one place decides which scanners run', () => {
  test('no vulnerabilities rule: nothing runs and no report is read', () => {
    expect(planScans({ rule: undefined, reports: { trivy: 't.json' } })).toEqual({ mode: 'off' });
  });

  test('reports given replace scanner runs, Trivy first', () => {
    expect(
      planScans({ rule: { scanners: ['grype'] }, reports: { grype: 'g.json', trivy: 't.json' } }),
    ).toEqual({
      mode: 'reports',
      reports: [
        { scanner: 'trivy', file: 't.json' },
        { scanner: 'grype', file: 'g.json' },
      ],
      missing: [],
    });
  });

  test('a scanner the policy names without a report for it is missing, not skipped', () => {
    expect(
      planScans({ rule: { scanners: ['trivy', 'grype'] }, reports: { trivy: 't.json' } }),
    ).toEqual({
      mode: 'reports',
      reports: [{ scanner: 'trivy', file: 't.json' }],
      missing: ['grype'],
    });
    expect(planScans({ rule: {}, reports: { trivy: 't.json' } })).toMatchObject({ missing: [] });
  });

  test("the policy's scanners win over the caller's; either way each one must be installed", () => {
    expect(planScans({ rule: { scanners: ['grype'] }, reports: {}, requested: ['trivy'] })).toEqual(
      {
        mode: 'run',
        scanners: ['grype'],
        named: true,
      },
    );
    expect(planScans({ rule: {}, reports: {}, requested: ['trivy'] })).toEqual({
      mode: 'run',
      scanners: ['trivy'],
      named: true,
    });
  });

  test('none named: every scanner installed runs', () => {
    expect(planScans({ rule: {}, reports: {}, requested: [] })).toEqual({
      mode: 'run',
      scanners: ['trivy', 'grype'],
      named: false,
    });
  });
});
