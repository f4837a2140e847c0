import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { testEnv, testImage } from '../helpers/env.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const CLI = join(root, 'dist', 'cli.js');
const FIXTURES = join(root, '..', 'shared', 'fixtures', 'scanners');

let bin: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ig-vulns-'));
  bin = join(dir, 'bin');
  await run('mkdir', ['-p', bin]);
  await copyFile(join(import.meta.dirname, 'stand-ins', 'trivy.mjs'), join(bin, 'trivy'));
  await run('chmod', ['+x', join(bin, 'trivy')]);
});

async function policy(name: string, body: string): Promise<string> {
  const file = join(dir, `${name}.yml`);
  await writeFile(file, `apiVersion: image-gate/v1\nrules:\n${body}`);
  return file;
}

interface Rule {
  rule: string;
  status: string;
  summary: string;
  details?: {
    failing: { id: string }[];
    expiredWaivers: unknown[];
    waived: { expiringSoon: boolean }[];
  };
}

async function gate(image: string, policyFile: string, env: Record<string, string> = {}) {
  try {
    const { stdout } = await run(
      process.execPath,
      [CLI, 'check', image, '--policy', policyFile, '--format', 'json'],
      {
        env: {
          ...process.env,
          PATH: `${bin}:${process.env.PATH}`,
          HOME: dir,
          STANDIN_REPORT: join(FIXTURES, 'trivy', 'golden_debian-buster.json'),
          ...env,
        },
      },
    );
    return { code: 0, rule: vulns(stdout) };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, rule: e.stdout ? vulns(e.stdout) : undefined, stderr: e.stderr };
  }
}

function vulns(stdout: string): Rule {
  return (JSON.parse(stdout) as { rules: Rule[] }).rules.find((r) => r.rule === 'vulnerabilities')!;
}

const image = () => testImage('good').docker;
const rule = (extra = '') =>
  `  vulnerabilities:\n    severity: high\n    scanners: [trivy]\n${extra}`;

describe('the vulnerabilities rule runs the scanner on the image the gate read', () => {
  test('a critical finding fails at threshold high, from a registry image spooled once', async () => {
    const r = await gate(image(), await policy('high', rule()));
    expect(r.code).toBe(1);
    expect(r.rule?.status).toBe('fail');
    expect(r.rule?.details?.failing.map((f) => f.id)).toEqual(['CVE-2019-18224']);
  });

  test('the scanner reads an OCI layout in place', async () => {
    const r = await gate(testImage('good').oci, await policy('high-oci', rule()));
    expect(r.rule?.details?.failing.map((f) => f.id)).toEqual(['CVE-2019-18224']);
  });

  test('a waiver with a reason and a future expiry lets it pass; an expired one does not', async () => {
    const waived = await gate(
      image(),
      await policy(
        'waived',
        rule(
          `    ignore:\n      - { id: CVE-2019-18224, reason: "libidn2 is never called", expires: 2099-12-31 }\n`,
        ),
      ),
    );
    expect(waived.code).toBe(0);
    const expired = await gate(
      image(),
      await policy(
        'expired',
        rule(
          `    ignore:\n      - { id: CVE-2019-18224, reason: "was fixed upstream", expires: 2020-01-01 }\n`,
        ),
      ),
    );
    expect(expired.code).toBe(1);
    expect(expired.rule?.details?.expiredWaivers).toHaveLength(1);
  });

  test('scope own-layers gates only what the image adds on top of its approved base', async () => {
    const body = `  base-image:\n    allowed: ['docker://${testEnv().registry}/image-gate-test/base-a:latest']\n${rule('    scope: own-layers\n')}`;
    const inBase = await gate(image(), await policy('own', body), { STANDIN_LAYER: 'base' });
    expect(inBase.code).toBe(0);
    const own = await gate(image(), await policy('own', body), { STANDIN_LAYER: 'own' });
    expect(own.code).toBe(1);
  });

  test.each([
    ['crash', /trivy.*unable to initialize a scanner/],
    ['garbage', /trivy/],
    ['stale', /trivy.*(stale|old|database)/i],
  ])(
    'a scanner that does %s makes the rule an error and the verdict fail closed',
    async (mode, why) => {
      const r = await gate(image(), await policy(`mode-${mode}`, rule()), { STANDIN_MODE: mode });
      expect(r.code).toBe(2);
      expect(r.rule?.status).toBe('error');
      expect(r.rule?.summary).toMatch(why);
    },
  );

  test('a scanner that hangs is killed at the policy timeout', async () => {
    const r = await gate(image(), await policy('hang', rule('    timeout: 2\n')), {
      STANDIN_MODE: 'hang',
    });
    expect(r.code).toBe(2);
    expect(r.rule?.summary).toMatch(/trivy.*(timed out|time)/i);
  });

  test('a report of another image is an error', async () => {
    const r = await run(process.execPath, [
      CLI,
      'check',
      image(),
      '--policy',
      await policy('report', rule()),
      '--format',
      'json',
      '--trivy-report',
      join(FIXTURES, 'trivy', 'golden_alpine-310.json'),
    ]).catch((e: { code: number; stdout: string }) => e);
    expect((r as { code: number }).code).toBe(2);
    expect(vulns((r as { stdout: string }).stdout).summary).toContain('another image');
  });

  test('no scanner installed and no report is an error, never a pass', async () => {
    const { stdout, code } = await run(
      process.execPath,
      [CLI, 'check', image(), '--format', 'json'],
      {
        env: { ...process.env, PATH: '/usr/bin:/bin', HOME: dir },
      },
    ).then(
      (x) => ({ ...x, code: 0 }),
      (e: { code: number; stdout: string }) => e,
    );
    expect(code).toBe(2);
    expect(vulns(stdout).status).toBe('error');
  });
});
