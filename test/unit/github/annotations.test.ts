import { describe, expect, test } from 'vitest';
import { verdictAnnotations } from '../../../src/github/annotations.js';
import { failingVerdict, rules, verdict } from '../report/builders.js';

describe('annotations', () => {
  test('one error per failing rule, at the rule line of the policy', () => {
    const out = verdictAnnotations([failingVerdict()], {
      'non-root': { file: '.github/image-gate.yml', line: 4 },
    });
    expect(out.map((a) => a.title)).toEqual([
      'image-gate: base-image failed',
      'image-gate: non-root failed',
      'image-gate: secrets failed',
      'image-gate: vulnerabilities failed',
    ]);
    expect(out[1]).toMatchObject({ level: 'error', file: '.github/image-gate.yml', startLine: 4 });
    expect(out[1]!.message).toMatch(/^docker:\/\/ghcr\.io\/acme\/app:1\.2\.3: runs as root/);
  });

  test('passing rules give none; a rule error carries its message', () => {
    expect(verdictAnnotations([verdict()])).toEqual([]);
    const errored = verdict({
      rules: [{ ...rules.vulnerabilities(), status: 'error', error: 'trivy crashed' }],
    });
    expect(verdictAnnotations([errored])[0]).toMatchObject({
      title: 'image-gate: vulnerabilities error',
      message: expect.stringMatching(/trivy crashed$/),
    });
  });
});
