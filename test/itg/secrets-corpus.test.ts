import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import type { Expected } from '../secrets/image-context.js';

const run = promisify(execFile);
const CLI = process.env.IMAGE_GATE_CLI ?? join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const DIR = join(
  process.env.IMAGE_GATE_TEST_DIR ?? '/tmp/image-gate-test',
  'images',
  'secrets-corpus',
);

interface Finding {
  kind: Expected['kind'];
  detector: string;
  path?: string;
  line?: number;
  excerpt: string;
}

// The labelled corpus planted in an image by test/secrets/build-image.sh: every secret is found
// at its place (file and line, deleted file, env variable, label, history entry) through the
// whole pipeline (layers, image config), and nothing else in the image is reported.
test('every planted secret is found where the image leaks it, and nothing else', async () => {
  const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Expected[];
  const policy = join(import.meta.dirname, 'policies', 'secrets-only.yml');
  const args = [
    CLI,
    'check',
    `docker-archive:${join(DIR, 'docker-archive.tar')}`,
    '--policy',
    policy,
  ];
  const { stdout } = await run(process.execPath, [...args, '--format', 'json'], {
    maxBuffer: 64 << 20,
  }).catch((err: { stdout?: string; code?: number }) => {
    if (err.code === 1 && err.stdout) return { stdout: err.stdout };
    throw err;
  });
  const report = JSON.parse(stdout) as {
    decision: string;
    rules: { rule: string; findings: Finding[] }[];
  };
  const findings = report.rules.find((r) => r.rule === 'secrets')?.findings ?? [];
  expect(report.decision).toBe('fail');

  const finds = (e: Expected, f: Finding): boolean =>
    f.kind === e.kind &&
    e.detectors.includes(f.detector) &&
    (e.kind === 'history' || f.path === e.where) &&
    (e.kind !== 'file' || f.line === e.line);
  const missed = expected.filter((e) => !findings.some((f) => finds(e, f)));
  expect(
    missed.map((e) => `${e.family} ${e.kind} ${e.kind === 'history' ? '' : e.where}:${e.line}`),
  ).toEqual([]);

  // ENV and LABEL instructions are recorded in the history too: there, a finding of the same
  // detector is the same secret. Anything else is a false positive.
  const detectorsOf = new Set(expected.flatMap((e) => e.detectors));
  const unexplained = findings.filter(
    (f) =>
      !expected.some((e) => finds(e, f)) && !(f.kind === 'history' && detectorsOf.has(f.detector)),
  );
  expect(unexplained.map((f) => `${f.kind} ${f.detector} ${f.path ?? ''}:${f.line ?? ''}`)).toEqual(
    [],
  );

  // Neither the JSON nor the table report shows 8 characters of a planted secret.
  const table = await run(process.execPath, args, { maxBuffer: 64 << 20 }).catch(
    (err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }),
  );
  const leaks: string[] = [];
  for (const shown of [stdout, table.stdout]) {
    for (const e of expected) {
      for (let i = 0; i + 8 <= e.value.length; i += 4) {
        if (shown.includes(e.value.slice(i, i + 8))) {
          leaks.push(`${e.family} ${e.kind} ${e.kind === 'history' ? '' : e.where}`);
          break;
        }
      }
    }
  }
  expect(leaks).toEqual([]);
});
