/**
 * The bundled example (examples/run.sh) with the real scanners on PATH, and without them. It runs
 * the committed dist/cli.js, or the build named by IMAGE_GATE_CLI.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { realScanners } from '../helpers/scanners.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

async function example(path: string) {
  return run('bash', ['examples/run.sh'], {
    cwd: root,
    env: { ...process.env, PATH: path },
    maxBuffer: 16 * 1024 * 1024,
  });
}

describe('examples/run.sh', () => {
  test('gates vulnerabilities with Trivy and Grype against the example database', async () => {
    const s = realScanners();
    const { stdout } = await example(
      [dirname(s.trivy), dirname(s.grype), process.env.PATH ?? ''].join(':'),
    );
    expect(stdout).toMatch(/✔ pass\s+vulnerabilities/);
    expect(stdout).toMatch(
      /✖ fail\s+vulnerabilities\s+1 vulnerability at or above high: 1 critical/,
    );
    expect(stdout).toMatch(/critical\s+CVE-2021-44906\s+minimist@1\.2\.5\s+1\.2\.6\s+trivy,grype/);
  });

  test('says how to install the scanners when they are not on PATH', async () => {
    const path = (process.env.PATH ?? '')
      .split(':')
      .filter((d) => !/image-gate-tools/.test(d))
      .join(':');
    const { stdout } = await example(path);
    expect(stdout).toMatch(/Vulnerabilities were not gated: Trivy and Grype are not installed/);
    expect(stdout).toMatch(/bash test\/env\/scanners\.sh/);
  });
});
