import { expect, test } from 'vitest';
import type { Verdict } from '../../../src/policy/verdict.js';
import { LEVEL_PREFIX, VERDICT_KEY, verdictStatement } from '../../../src/sign/vsa.js';

const digest = `sha256:${'b'.repeat(64)}`;

function verdict(decision: 'pass' | 'fail'): Verdict {
  return {
    decision,
    image: {
      reference: 'docker://r/app:1',
      digest: `sha256:${'c'.repeat(64)}`,
      configDigest: 'sha256:x',
      platform: 'linux/amd64',
    },
    policy: {
      source: '.github/image-gate.yml',
      digest: `sha256:${'d'.repeat(64)}`,
      builtIn: false,
    },
    rules: [
      {
        rule: 'non-root',
        status: 'pass',
        summary: 'runs as uid 1000',
        findings: [],
        details: { user: '1000', uid: 1000 },
      },
      {
        rule: 'vulnerabilities',
        status: decision === 'pass' ? 'pass' : 'fail',
        summary: '…',
        findings: [],
        details: {
          threshold: 'high',
          scope: 'all',
          counts: {
            critical: 0,
            high: decision === 'pass' ? 0 : 2,
            medium: 3,
            low: 1,
            negligible: 0,
            unknown: 0,
          },
          failing: [],
          waived: [],
          expiredWaivers: [],
          onlyIn: {},
          scanners: ['trivy', 'grype'],
          tools: [
            { scanner: 'trivy', version: '0.74.0', dbBuiltAt: '2026-12-02T06:00:00Z' },
            { scanner: 'grype', version: '0.121.3', dbBuiltAt: '2026-12-01T09:00:00Z' },
          ],
        },
      },
    ],
    tool: { name: 'image-gate', version: '0.1.0' },
    checkedAt: '2026-12-02T19:00:00.000Z',
  } as Verdict;
}

test('a passing verdict as a SLSA VSA about the signed digest', () => {
  const s = verdictStatement(verdict('pass'), { name: '127.0.0.1:5391/app', digest });
  expect(s).toMatchObject({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: '127.0.0.1:5391/app', digest: { sha256: 'b'.repeat(64) } }],
    predicateType: 'https://slsa.dev/verification_summary/v1',
    predicate: {
      verifier: {
        id: 'https://github.com/image-gate/image-gate',
        version: { 'image-gate': '0.1.0' },
      },
      timeVerified: '2026-12-02T19:00:00.000Z',
      resourceUri: `oci://127.0.0.1:5391/app@${digest}`,
      policy: { uri: '.github/image-gate.yml', digest: { sha256: 'd'.repeat(64) } },
      verificationResult: 'PASSED',
      verifiedLevels: [
        `${LEVEL_PREFIX}POLICY_PASSED`,
        'IMAGE_GATE_NON_ROOT',
        'IMAGE_GATE_VULNERABILITIES',
      ],
    },
  });
  const own = s.predicate[VERDICT_KEY] as Record<string, unknown>;
  expect(own).toMatchObject({
    gatedManifest: `sha256:${'c'.repeat(64)}`,
    platform: 'linux/amd64',
    vulnerabilities: {
      counts: { critical: 0, high: 0, medium: 3, low: 1 },
      scanners: ['trivy', 'grype'],
      tools: [
        { scanner: 'trivy', version: '0.74.0', dbBuiltAt: '2026-12-02T06:00:00Z' },
        { scanner: 'grype', version: '0.121.3', dbBuiltAt: '2026-12-01T09:00:00Z' },
      ],
    },
  });
  // Custom levels must not look like SLSA's own.
  for (const level of s.predicate.verifiedLevels as string[]) expect(level).not.toMatch(/^SLSA_/);
});

test('a failing verdict says FAILED and claims no level', () => {
  const s = verdictStatement(verdict('fail'), { name: 'r/app', digest });
  expect(s.predicate.verificationResult).toBe('FAILED');
  expect(s.predicate.verifiedLevels).toEqual([]);
});

test('a rule summary quoting image text is masked in the signed statement, as in every output', () => {
  // Shaped like a real token, random, valid nowhere; a user name or path can carry one.
  const token = 'ghp_' + 'Zq8Lm2Xv7Rt4Ks9Pw3Nb6Yc1Hd5Jf0Ga2Ue7W';
  const v = verdict('pass');
  v.rules[0]!.summary = `runs as uid 1000 (user ${token})`;
  const json = JSON.stringify(verdictStatement(v, { name: 'r/app', digest }));
  expect(json).not.toContain(token.slice(4, 14));
  expect(json).toContain('runs as uid 1000');
});
