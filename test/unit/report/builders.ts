import type { SecretFinding } from '../../../src/analyze/types.js';
import type { RuleResult, Verdict, VulnerabilityDetails } from '../../../src/policy/verdict.js';
import type { Finding, Severity } from '../../../src/scanners/finding.js';

/** Test data builders: small verdicts with just what a test needs, defaults for the rest. */

export const DIGEST = 'sha256:' + 'a'.repeat(64);
export const CONFIG_DIGEST = 'sha256:' + 'c'.repeat(64);
export const POLICY_DIGEST = 'sha256:' + 'b'.repeat(64);

export function finding(
  overrides: Partial<Finding> & { pkg?: string; version?: string } = {},
): Finding {
  const { pkg, version, ...rest } = overrides;
  return {
    id: 'CVE-2024-0001',
    aliases: [],
    package: { name: pkg ?? 'openssl', version: version ?? '3.0.1', type: 'apk' },
    fixedVersions: ['3.0.2'],
    severity: 'high',
    severityBySource: { trivy: 'high', grype: 'high' },
    cvss: [],
    sources: ['trivy', 'grype'],
    ...rest,
  };
}

export function secret(overrides: Partial<SecretFinding> = {}): SecretFinding {
  return {
    kind: 'file',
    detector: 'aws-access-key-id',
    title: 'AWS access key id',
    layerIndex: 3,
    diffId: 'sha256:' + 'd'.repeat(64),
    path: '/app/.env',
    line: 2,
    excerpt: 'AWS_ACCESS_KEY_ID=AKIA****************',
    ...overrides,
  };
}

export function counts(partial: Partial<Record<Severity, number>> = {}): Record<Severity, number> {
  return { critical: 0, high: 0, medium: 0, low: 0, negligible: 0, unknown: 0, ...partial };
}

export function vulnDetails(overrides: Partial<VulnerabilityDetails> = {}): VulnerabilityDetails {
  return {
    threshold: 'high',
    scope: 'all',
    counts: counts(),
    failing: [],
    waived: [],
    expiredWaivers: [],
    onlyIn: {},
    scanners: ['trivy', 'grype'],
    ...overrides,
  };
}

export const rules = {
  baseImage(status: RuleResult['status'] = 'pass'): RuleResult {
    return {
      rule: 'base-image',
      status,
      summary:
        status === 'pass'
          ? 'built on docker.io/library/alpine:3.20'
          : 'not built on an allowed base',
      findings: status === 'pass' ? [] : ['layer 2 differs from docker.io/library/alpine:3.20'],
      details: {
        base: { reference: 'docker.io/library/alpine:3.20', digest: DIGEST, layers: 1 },
        sharedLayers: status === 'pass' ? 1 : 0,
        ...(status === 'pass'
          ? {}
          : {
              firstDifferentLayer: 0,
              imageDiffId: 'sha256:' + '1'.repeat(64),
              baseDiffId: 'sha256:' + '2'.repeat(64),
            }),
      },
    };
  },
  nonRoot(status: RuleResult['status'] = 'pass', user = 'app'): RuleResult {
    return {
      rule: 'non-root',
      status,
      summary: status === 'pass' ? `runs as ${user}` : `runs as ${user} (uid 0)`,
      findings: [],
      details: { user, uid: status === 'pass' ? 1000 : 0 },
    };
  },
  secrets(findings: SecretFinding[] = []): RuleResult {
    return {
      rule: 'secrets',
      status: findings.length > 0 ? 'fail' : 'pass',
      summary: findings.length > 0 ? `${findings.length} secrets found` : 'no secrets found',
      findings,
      details: {},
    };
  },
  vulnerabilities(
    failing: Finding[] = [],
    details: Partial<VulnerabilityDetails> = {},
  ): RuleResult {
    return {
      rule: 'vulnerabilities',
      status: failing.length > 0 ? 'fail' : 'pass',
      summary:
        failing.length > 0
          ? `${failing.length} findings at or above high`
          : 'no findings at or above high',
      findings: failing,
      details: vulnDetails({ failing, ...details }),
    };
  },
};

export function verdict(overrides: Partial<Verdict> = {}): Verdict {
  const ruleList = overrides.rules ?? [
    rules.baseImage(),
    rules.nonRoot(),
    rules.secrets(),
    rules.vulnerabilities(),
  ];
  const failed = ruleList.some((r) => r.status === 'fail' || r.status === 'error');
  return {
    decision: failed ? 'fail' : 'pass',
    image: {
      reference: 'docker://ghcr.io/acme/app:1.2.3',
      digest: DIGEST,
      configDigest: CONFIG_DIGEST,
      platform: 'linux/amd64',
    },
    policy: { source: '.image-gate.yml', digest: POLICY_DIGEST, builtIn: false },
    rules: ruleList,
    tool: { name: 'image-gate', version: '0.1.0' },
    checkedAt: '2025-01-02T03:04:05.000Z',
    ...overrides,
  };
}

/** A failing verdict with something in every rule. */
export function failingVerdict(): Verdict {
  const critical = finding({
    id: 'CVE-2024-9999',
    pkg: 'libcurl',
    version: '8.0.0',
    severity: 'critical',
    severityBySource: { trivy: 'high', grype: 'critical' },
  });
  const high = finding({ sources: ['trivy'], severityBySource: { trivy: 'high' } });
  const waived = finding({ id: 'CVE-2023-1111', pkg: 'zlib', version: '1.2.13' });
  return verdict({
    rules: [
      rules.baseImage('fail'),
      rules.nonRoot('fail', 'root'),
      rules.secrets([
        secret(),
        secret({
          kind: 'env',
          path: 'GITHUB_TOKEN',
          layerIndex: undefined,
          line: undefined,
          detector: 'github-token',
          title: 'GitHub token',
          excerpt: 'GITHUB_TOKEN=ghp_****',
        }),
      ]),
      rules.vulnerabilities([critical, high], {
        counts: counts({ critical: 1, high: 2, low: 4 }),
        waived: [
          {
            finding: waived,
            waiver: {
              id: 'CVE-2023-1111',
              package: 'zlib',
              reason: 'not reachable',
              expires: '2025-01-10',
            },
            expiringSoon: true,
          },
        ],
        expiredWaivers: [{ id: 'CVE-2020-0001', reason: 'old exception', expires: '2024-12-01' }],
        onlyIn: { trivy: 1 },
      }),
    ],
  });
}
