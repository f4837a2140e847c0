import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { benchImage } from '../helpers/env.js';

const run = promisify(execFile);
const CLI = process.env.IMAGE_GATE_CLI ?? join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

interface Report {
  decision: string;
  rules: Array<{
    rule: string;
    summary: string;
    findings: Array<{ detector: string; path?: string }>;
    details: {
      skippedByDefaultRule?: Record<string, number>;
      allowedByDetector?: Record<string, number>;
    };
  }>;
}

async function check(policy: string): Promise<Report['rules'][number]> {
  const { stdout } = await run(
    process.execPath,
    [
      CLI,
      'check',
      benchImage('debian-dev').docker,
      '--policy',
      join(import.meta.dirname, 'policies', policy),
      '--format',
      'json',
    ],
    { maxBuffer: 64 << 20 },
  ).catch((err: { stdout?: string; code?: number }) => {
    // `check` exits 1 on a failing verdict; the report is still on stdout.
    if (err.code === 1 && err.stdout) return { stdout: err.stdout };
    throw err;
  });
  const rule = (JSON.parse(stdout) as Report).rules.find((r) => r.rule === 'secrets');
  if (rule === undefined) throw new Error('no secrets rule in the report');
  return rule;
}

// Debian with Go's source tree (golang-go), Node.js and npm, Python and pip, openssh-server and
// ssl-cert, installed by apt (test/images/bench.sh debian-dev). What it ships must not be a
// finding, except the private keys its packages generated at install time.
describe('a Debian root with Go, Node.js, Python, pip, openssh-server and ssl-cert', () => {
  test('the only findings are the install-time keys, under their own detector ids', async () => {
    const rule = await check('secrets-only.yml');
    const found = rule.findings.map((f) => `${f.detector} ${f.path}`).sort();
    expect(found).toEqual([
      'snakeoil-key /etc/ssl/private/ssl-cert-snakeoil.key',
      'ssh-host-key /etc/ssh/ssh_host_ecdsa_key',
      'ssh-host-key /etc/ssh/ssh_host_ed25519_key',
      'ssh-host-key /etc/ssh/ssh_host_rsa_key',
    ]);
    // Go's test keys are there, and skipped by a rule the report names.
    expect(rule.details.skippedByDefaultRule?.['go-toolchain-tests']).toBeGreaterThan(0);
    expect(rule.summary).toMatch(/skipped by default rule go-toolchain-tests/);
  });

  test('a policy allows the install-time keys by name and the image passes', async () => {
    const rule = await check('secrets-install-keys.yml');
    expect(rule.findings).toEqual([]);
    expect(rule.details.allowedByDetector).toEqual({ 'ssh-host-key': 3, 'snakeoil-key': 1 });
  });
});
