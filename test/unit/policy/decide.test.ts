import { describe, expect, it } from 'vitest';
import { buildVerdict, decide, skippedRule } from '../../../src/policy/decide.js';
import { parsePolicy } from '../../../src/policy/parse.js';
import type { LoadedPolicy } from '../../../src/policy/types.js';
import type { RuleResult, RuleStatus } from '../../../src/policy/verdict.js';

const rule = (status: RuleStatus, name: 'non-root' | 'secrets' = 'non-root'): RuleResult =>
  name === 'non-root'
    ? { rule: 'non-root', status, summary: status, findings: [], details: { user: 'app' } }
    : { rule: 'secrets', status, summary: status, findings: [], details: {} };

describe('decide', () => {
  it.each([
    [[], 'pass'],
    [['pass'], 'pass'],
    [['pass', 'warn', 'skipped'], 'pass'],
    [['pass', 'fail'], 'fail'],
    [['pass', 'error'], 'fail'],
    [['skipped', 'skipped'], 'pass'],
  ] as const)('%j → %s', (statuses, decision) => {
    expect(decide(statuses.map((s) => rule(s)))).toBe(decision);
  });
});

describe('buildVerdict', () => {
  const loaded = (text: string): LoadedPolicy => ({
    policy: parsePolicy(`apiVersion: image-gate/v1\nrules:\n${text}`, 'p.yml'),
    source: 'p.yml',
    digest: 'sha256:p',
    builtIn: false,
  });
  const image = {
    reference: 'docker://r.example/app:1',
    digest: 'sha256:m',
    configDigest: 'sha256:c',
    platform: 'linux/amd64',
  };

  it('orders rules, skips the ones not in the policy, and decides', () => {
    const v = buildVerdict({
      image,
      policy: loaded('  non-root: false\n  secrets: true\n'),
      results: [rule('pass', 'secrets'), rule('fail')],
      toolVersion: '0.1.0',
      checkedAt: new Date('2026-03-10T12:00:00Z'),
    });
    expect(v).toEqual({
      decision: 'pass',
      image,
      policy: { source: 'p.yml', digest: 'sha256:p', builtIn: false },
      rules: [
        {
          rule: 'base-image',
          status: 'skipped',
          summary: 'not in the policy',
          findings: [],
          details: {},
        },
        {
          rule: 'non-root',
          status: 'skipped',
          summary: 'disabled in the policy (non-root: false)',
          findings: [],
          details: { user: '' },
        },
        rule('pass', 'secrets'),
        { rule: 'vulnerabilities', status: 'skipped', summary: 'not in the policy', findings: [] },
      ],
      tool: { name: 'image-gate', version: '0.1.0' },
      checkedAt: '2026-03-10T12:00:00.000Z',
    });
    // Plain data: what is signed is what JSON carries.
    expect(JSON.parse(JSON.stringify(v))).toEqual(v);
  });

  it('fails closed when a rule in the policy has no result', () => {
    const v = buildVerdict({
      image,
      policy: loaded('  non-root: true\n'),
      results: [],
      toolVersion: '0.1.0',
      checkedAt: new Date(0),
    });
    expect(v.decision).toBe('fail');
    expect(v.rules[1]).toMatchObject({
      rule: 'non-root',
      status: 'error',
      error: 'rule not evaluated',
    });
  });

  it('fails when a rule fails', () => {
    const v = buildVerdict({
      image,
      policy: loaded('  non-root: true\n'),
      results: [rule('fail')],
      toolVersion: '0.1.0',
      checkedAt: new Date(0),
    });
    expect(v.decision).toBe('fail');
  });

  it('skips secrets: false with its own words', () => {
    const p = parsePolicy(
      'apiVersion: image-gate/v1\nrules:\n  secrets: false\n  non-root: true\n',
      'p',
    );
    expect(skippedRule(p, 'secrets').summary).toBe('disabled in the policy (secrets: false)');
  });
});
