import { describe, expect, test } from 'vitest';
import { renderJson } from '../../../src/report/json.js';
import { failingVerdict, verdict } from './builders.js';

describe('renderJson', () => {
  test('one image is exactly the verdict, with a fixed key order and 2-space indent', () => {
    const v = verdict();
    // Build the same verdict with its keys in another order: the output must not change.
    const shuffled = Object.fromEntries(Object.entries(v).reverse()) as typeof v;
    const text = renderJson(v);
    expect(renderJson(shuffled)).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "decision": "pass",');
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(parsed).toEqual(JSON.parse(JSON.stringify(v)));
    expect(Object.keys(parsed)).toEqual([
      'decision',
      'image',
      'policy',
      'rules',
      'tool',
      'checkedAt',
    ]);
    expect(Object.keys(parsed.image as object)).toEqual([
      'reference',
      'digest',
      'configDigest',
      'platform',
    ]);
    expect(Object.keys(parsed.policy as object)).toEqual(['source', 'digest', 'builtIn']);
    for (const rule of parsed.rules as object[]) {
      expect(Object.keys(rule).slice(0, 4)).toEqual(['rule', 'status', 'summary', 'findings']);
    }
  });

  test('fields added to the verdict later still appear, after the known ones', () => {
    const v = { ...verdict(), attestation: { z: 1, a: 2 } };
    const parsed = JSON.parse(renderJson(v)) as Record<string, unknown>;
    expect(Object.keys(parsed).at(-1)).toBe('attestation');
    expect(Object.keys(parsed.attestation as object)).toEqual(['a', 'z']);
  });

  test('vulnerability findings keep the Finding field order', () => {
    const parsed = JSON.parse(renderJson(failingVerdict())) as {
      rules: { rule: string; findings: Record<string, unknown>[] }[];
    };
    const vuln = parsed.rules.find((r) => r.rule === 'vulnerabilities')!;
    expect(Object.keys(vuln.findings[0]!).slice(0, 5)).toEqual([
      'id',
      'aliases',
      'package',
      'fixedVersions',
      'severity',
    ]);
    expect(Object.keys(vuln.findings[0]!.package as object)).toEqual(['name', 'version', 'type']);
  });

  test('several images: decision fails if any image fails', () => {
    const both = JSON.parse(renderJson([verdict(), failingVerdict()])) as {
      decision: string;
      images: { decision: string }[];
    };
    expect(Object.keys(both)).toEqual(['decision', 'images']);
    expect(both.decision).toBe('fail');
    expect(both.images.map((i) => i.decision)).toEqual(['pass', 'fail']);
    const passing = JSON.parse(renderJson([verdict(), verdict()])) as { decision: string };
    expect(passing.decision).toBe('pass');
  });

  test('an array of one is the bare verdict; an empty list fails closed', () => {
    expect(renderJson([verdict()])).toBe(renderJson(verdict()));
    expect(JSON.parse(renderJson([]))).toEqual({ decision: 'fail', images: [] });
  });
});
