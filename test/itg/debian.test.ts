import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { benchImage } from '../helpers/env.js';

const run = promisify(execFile);
const CLI = process.env.IMAGE_GATE_CLI ?? join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

// A clean debootstrap Debian root (built by test/images/bench.sh debian-base): the secret
// detectors must find nothing in it, or every real image built on Debian would fail.
test('a clean debootstrap Debian base has zero secret findings', async () => {
  const policy = join(import.meta.dirname, 'policies', 'secrets-only.yml');
  const { stdout } = await run(
    process.execPath,
    [CLI, 'check', benchImage('debian-base').docker, '--policy', policy, '--format', 'json'],
    {
      maxBuffer: 64 << 20,
    },
  );
  const report = JSON.parse(stdout) as {
    decision: string;
    rules: { rule: string; findings: unknown[] }[];
  };
  expect(report.rules.find((r) => r.rule === 'secrets')?.findings).toEqual([]);
  expect(report.decision).toBe('pass');
});
