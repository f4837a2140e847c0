import { describe, expect, it } from 'vitest';
import type { SecretFinding } from '../../../src/analyze/types.js';
import { evaluateSecrets } from '../../../src/policy/rules/secrets.js';

const file = (path: string): SecretFinding => ({
  kind: 'file',
  detector: 'private-key',
  title: 'Private key',
  layerIndex: 1,
  path,
  line: 1,
  excerpt: '-----BEGIN PRIVATE KEY----- [REDACTED]',
});
const env: SecretFinding = {
  kind: 'env',
  detector: 'github-token',
  title: 'GitHub token',
  path: 'GH_TOKEN',
  excerpt: 'GH_TOKEN=[REDACTED]',
};
const history: SecretFinding = {
  kind: 'history',
  detector: 'aws-access-key-id',
  title: 'AWS key',
  historyIndex: 3,
  excerpt: 'RUN x [REDACTED]',
};
const label: SecretFinding = {
  kind: 'label',
  detector: 'github-token',
  title: 'GitHub token',
  path: '/usr/share/doc/x',
  excerpt: '[REDACTED]',
};

describe('evaluateSecrets', () => {
  it.each([
    {
      name: 'nothing found',
      findings: [],
      allow: [],
      status: 'pass',
      left: 0,
      summary: 'no secrets found',
    },
    {
      name: 'allowed by an absolute glob',
      findings: [file('/usr/share/doc/pkg/example.pem')],
      allow: ['/usr/share/doc/**'],
      status: 'pass',
      left: 0,
      summary: 'no secrets found (1 allowed by path)',
    },
    {
      name: 'allowed glob matches dot files',
      findings: [file('/usr/share/doc/.hidden/key')],
      allow: ['/usr/share/doc/**'],
      status: 'pass',
      left: 0,
      summary: 'no secrets found (1 allowed by path)',
    },
    {
      name: 'relative glob matches anywhere',
      findings: [file('/app/test/fixtures/key.pem'), file('/srv/test/fixtures/a/b.pem')],
      allow: ['**/test/fixtures/**'],
      status: 'pass',
      left: 0,
      summary: 'no secrets found (2 allowed by path)',
    },
    {
      name: 'a single star does not cross directories',
      findings: [file('/usr/share/doc/pkg/key')],
      allow: ['/usr/share/doc/*'],
      status: 'fail',
      left: 1,
      summary: '1 secret found: 1 in files',
    },
    {
      name: 'env, history and label findings are never allow-listed by path',
      findings: [env, history, label, file('/usr/share/doc/k'), file('/root/.ssh/id_rsa')],
      allow: ['/usr/share/doc/**', 'GH_TOKEN', '**'],
      status: 'fail',
      left: 3,
      summary:
        '3 secrets found: 1 in the environment, 1 in the build history, 1 in labels (2 allowed by path)',
    },
    {
      name: 'counts by kind',
      findings: [file('/a'), file('/b'), env],
      allow: [],
      status: 'fail',
      left: 3,
      summary: '3 secrets found: 2 in files, 1 in the environment',
    },
  ])('$name', ({ findings, allow, status, left, summary }) => {
    const r = evaluateSecrets(findings, allow);
    expect(r.rule).toBe('secrets');
    expect(r.status).toBe(status);
    expect(r.summary).toBe(summary);
    expect(r.findings).toHaveLength(left);
    expect(r.details).toEqual({});
  });

  it('keeps the remaining findings as given', () => {
    const kept = file('/root/.ssh/id_rsa');
    expect(
      evaluateSecrets([file('/usr/share/doc/a'), kept], ['/usr/share/doc/**']).findings,
    ).toEqual([kept]);
  });
});
