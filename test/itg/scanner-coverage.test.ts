/**
 * "Could not analyse" is never "clean", against the real Trivy and Grype: images the Docker
 * engine builds here, whose OS the scanners cannot vouch for, must make the rule an error.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { check } from '../../src/commands/check.js';
import { silentLogger } from '../../src/log.js';
import { testEnv } from '../helpers/env.js';
import { realScanners } from '../helpers/scanners.js';

const run = promisify(execFile);
let dir: string;
const archives: Record<string, string> = {};

/** FROM scratch images with just what the scanners read to name the OS (and one package). */
const IMAGES: Record<string, Record<string, string>> = {
  // Debian 8 reached its end of life in 2020: Trivy marks it EOSL.
  jessie: {
    'etc/os-release': 'NAME="Debian GNU/Linux"\nVERSION_ID="8"\nVERSION="8 (jessie)"\nID=debian\n',
    'etc/debian_version': '8.11\n',
    'var/lib/dpkg/status':
      'Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 4.3-11+deb8u2\n' +
      'Description: GNU Bourne Again SHell\n\n',
  },
  // Trivy recognises Fedora but has no advisories for it ("Unsupported os").
  fedora: {
    'etc/fedora-release': 'Fedora release 40 (Forty)\n',
    'etc/os-release': 'NAME="Fedora Linux"\nVERSION_ID=40\nID=fedora\n',
  },
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ig-coverage-'));
  const env = testEnv();
  const docker = (...args: string[]) =>
    run(env.dockerCli, args, {
      env: { ...process.env, DOCKER_HOST: env.dockerHost, DOCKER_BUILDKIT: '0' },
    });
  for (const [name, files] of Object.entries(IMAGES)) {
    const ctx = join(dir, name);
    for (const [file, text] of Object.entries(files)) {
      await mkdir(join(ctx, file, '..'), { recursive: true });
      await writeFile(join(ctx, file), text);
    }
    const tops = [...new Set(Object.keys(files).map((f) => f.split('/')[0]))];
    await writeFile(
      join(ctx, 'Dockerfile'),
      `FROM scratch\n${tops.map((t) => `COPY ${t} /${t}`).join('\n')}\n`,
    );
    const tag = `image-gate-coverage-${name}:${process.pid}`;
    await docker('build', '--network', 'none', '-q', '-t', tag, ctx);
    archives[name] = join(dir, `${name}.tar`);
    await docker('save', '-o', archives[name], tag);
    await docker('rmi', tag);
  }
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function gate(name: string, scanners: string) {
  const s = realScanners();
  const policy = join(dir, `${name}-${scanners}.yml`);
  await writeFile(
    policy,
    `apiVersion: image-gate/v1\nrules:\n  vulnerabilities:\n    severity: high\n    scanners: [${scanners}]\n`,
  );
  const verdict = await check({
    image: `docker-archive:${archives[name]}`,
    policyPath: policy,
    cacheDir: join(dir, 'cache'),
    executables: { trivy: s.trivy, grype: s.grype },
    dbSource: { trivyRepository: s.trivyDb, grypeUpdateUrl: s.grypeDb },
    log: silentLogger,
  });
  return verdict.rules.find((r) => r.rule === 'vulnerabilities')!;
}

describe('an OS the scanners cannot vouch for fails closed (real Trivy and Grype)', () => {
  test('an end-of-life Debian is an error, even with Grype finding nothing beside it', async () => {
    const rule = await gate('jessie', 'trivy, grype');
    expect(rule.status).toBe('error');
    expect(rule.error).toMatch(
      /^trivy: debian 8\.11 is end-of-life: its vulnerability data is incomplete/,
    );
  }, 300_000);

  test('an OS Trivy names but cannot analyse is an error, not zero findings', async () => {
    const rule = await gate('fedora', 'trivy');
    expect(rule.status).toBe('error');
    expect(rule.error).toBe(
      'trivy: cannot analyse fedora 40 (unsupported OS): its OS packages were not checked',
    );
  }, 300_000);
});
