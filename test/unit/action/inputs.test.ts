import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, test } from 'vitest';
import { INPUTS, inputVariable, readConfig } from '../../../src/action/inputs.js';
import { unknownInputMessage, unknownInputs } from '../../../src/action/unknown-inputs.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const empty = mkdtempSync(join(tmpdir(), 'ig-inputs-'));

/** INPUT_* as the runner sets them: every declared input, with its default when not given. */
function env(given: Record<string, string>): Record<string, string> {
  const defaults: Record<string, string> = {
    scanners: 'trivy,grype',
    fail: 'true',
    comment: 'auto',
    summary: 'true',
    matrix: 'null',
  };
  const out: Record<string, string> = {};
  for (const name of INPUTS) out[inputVariable(name)] = given[name] ?? defaults[name] ?? '';
  return out;
}

describe('action.yml and the code agree', () => {
  const yml = load(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
    runs: { using: string; main: string };
    inputs: Record<string, { description: string; default?: string }>;
    outputs: Record<string, { description: string }>;
  };

  test('the same inputs, each documented with an example', () => {
    expect(Object.keys(yml.inputs).sort()).toEqual([...INPUTS].sort());
    for (const [name, i] of Object.entries(yml.inputs))
      expect(i.description, name).toMatch(/\(e\.g\., /);
    for (const [name, o] of Object.entries(yml.outputs))
      expect(o.description, name).toMatch(/\(e\.g\., /);
    expect(yml.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(yml.inputs.matrix!.default).toBe('${{ toJSON(matrix) }}');
    expect(yml.inputs['github-token']!.default).toBe('${{ github.token }}');
  });

  test('the outputs runAction sets', () => {
    expect(Object.keys(yml.outputs).sort()).toEqual(
      [
        'critical',
        'decision',
        'digest',
        'failed-rules',
        'high',
        'low',
        'medium',
        'report',
        'sarif',
        'signed-digests',
        'signatures',
        'attestations',
      ].sort(),
    );
  });
});

describe('inputs', () => {
  test('the runner upper-cases names and keeps dashes', () => {
    expect(inputVariable('github-token')).toBe('INPUT_GITHUB-TOKEN');
    expect(inputVariable('a b')).toBe('INPUT_A_B');
  });

  test('several images, one per line; defaults', () => {
    const config = readConfig(env({ image: ' a:1\n\n b:2 \n', 'github-token': 'tok' }), empty);
    expect(config).toMatchObject({
      images: ['a:1', 'b:2'],
      scanners: ['trivy', 'grype'],
      fail: true,
      comment: 'auto',
      summary: true,
      githubToken: 'tok',
      matrix: 'null',
    });
    expect(config.policyPath).toBeUndefined();
    expect(config.build).toBeUndefined();
  });

  test('the repository policy when present, unless built-in is asked for', () => {
    const ws = mkdtempSync(join(tmpdir(), 'ig-ws-'));
    mkdirSync(join(ws, '.github'));
    writeFileSync(join(ws, '.github', 'image-gate.yml'), 'apiVersion: image-gate/v1\n');
    expect(readConfig(env({ image: 'a' }), ws).policyPath).toBe('.github/image-gate.yml');
    expect(readConfig(env({ image: 'a', policy: 'built-in' }), ws).policyPath).toBeUndefined();
    expect(readConfig(env({ image: 'a', policy: 'p.yml' }), ws).policyPath).toBe('p.yml');
  });

  test('build inputs', () => {
    const config = readConfig(
      env({
        context: 'app',
        file: 'app/Dockerfile',
        tags: 'x/y:1, x/y:latest',
        'build-args': 'A=1\nB=two words',
        target: 'run',
        platform: 'linux/arm64',
      }),
      empty,
    );
    expect(config.build).toEqual({
      context: 'app',
      file: 'app/Dockerfile',
      tags: ['x/y:1', 'x/y:latest'],
      buildArgs: ['A=1', 'B=two words'],
      target: 'run',
      platform: 'linux/arm64',
    });
    expect(config.images).toEqual([]);
  });

  test.each([
    [{}, /nothing to gate/],
    [{ image: 'a', context: '.', tags: 't' }, /either "image" or the build inputs/],
    [{ context: '.' }, /needs "tags"/],
    [{ image: 'a', fail: 'yes' }, /"fail" must be true or false/],
    [{ image: 'a', comment: 'sometimes' }, /"comment" must be auto, always or never/],
    [{ image: 'a', scanners: 'trivy,clair' }, /unknown scanner "clair"/],
    [{ image: 'a', 'max-db-age': 'a day' }, /invalid duration/],
    [{ image: 'a', 'scanner-timeout': 'soon' }, /invalid duration/],
  ])('%j is refused', (given, message) => {
    expect(() => readConfig(env(given as Record<string, string>), empty)).toThrow(message);
  });

  test('scanner options', () => {
    const config = readConfig(
      env({
        image: 'a',
        scanners: 'grype',
        'trivy-version': 'v0.70.0',
        'scanner-timeout': '10m',
        'max-db-age': '2d',
      }),
      empty,
    );
    expect(config).toMatchObject({
      scanners: ['grype'],
      scannerVersions: { trivy: '0.70.0' },
      scannerTimeout: 600,
      maxDbAge: '2d',
    });
    expect(readConfig(env({ image: 'a', scanners: 'none' }), empty).scanners).toEqual([]);
  });
});

describe('unknown inputs', () => {
  test('found among INPUT_* variables, with a suggestion', () => {
    const names = unknownInputs({
      ...env({ image: 'a' }),
      INPUT_POLCY: 'x',
      INPUT_GITHUB_TOKEN: 't',
      PATH: '/bin',
    });
    expect(names).toEqual(['github_token', 'polcy']);
    expect(unknownInputMessage('polcy')).toMatch(
      /unknown input "polcy" \(did you mean "policy"\?\)/,
    );
    expect(unknownInputMessage('github_token')).toMatch(/did you mean "github-token"/);
    expect(unknownInputMessage('zzzzzz')).not.toMatch(/did you mean/);
  });

  test('none when only declared inputs are set', () => {
    expect(unknownInputs(env({ image: 'a' }))).toEqual([]);
  });
});
