/**
 * The action's scanner installer (src/scanners/install.ts) with the real @actions/tool-cache, on
 * release-shaped archives of the real Trivy and Grype (the names, gzip tarballs and sha256sum
 * checksum files of their GitHub releases) served by a GitHub stand-in on 127.0.0.1: the only
 * part that is not real is where the bytes come from, since no GitHub release is reachable here.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as toolCache from '@actions/tool-cache';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ScannerName } from '../../src/scanners/finding.js';
import {
  assetName,
  checksumsName,
  installScanner,
  releaseUrl,
} from '../../src/scanners/install.js';
import { realScanners } from '../helpers/scanners.js';

const run = promisify(execFile);

let dir: string;
let server: Server;
let baseUrl: string;
/** URL path → body; everything else is a 404, like a missing release asset. */
const files = new Map<string, Buffer>();
const requests: string[] = [];
const versions: Record<ScannerName, string> = { trivy: '', grype: '' };
const saved = { tools: process.env.RUNNER_TOOL_CACHE, temp: process.env.RUNNER_TEMP };

/** The release tarball: the executable at the top level, with the files the releases carry. */
async function releaseTarball(tool: ScannerName, exe: string, version: string): Promise<Buffer> {
  const stage = await mkdtemp(join(dir, `${tool}-release-`));
  await copyFile(exe, join(stage, tool));
  await writeFile(join(stage, 'LICENSE'), 'Apache License 2.0\n');
  await writeFile(join(stage, 'README.md'), `# ${tool} ${version}\n`);
  const file = join(dir, assetName(tool, version, 'linux', 'x64'));
  // gzip -1: these are 130-250 MB executables; the level does not matter to the installer.
  await run('tar', ['-I', 'gzip -1', '-cf', file, '-C', stage, tool, 'LICENSE', 'README.md']);
  return readFile(file);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const pathOf = (url: string) => new URL(url).pathname;

beforeAll(async () => {
  const s = realScanners();
  versions.trivy = s.trivyVersion;
  versions.grype = s.grypeVersion;
  dir = await mkdtemp(join(tmpdir(), 'ig-install-real-'));
  process.env.RUNNER_TOOL_CACHE = join(dir, 'tool-cache');
  process.env.RUNNER_TEMP = join(dir, 'runner-temp');
  await mkdir(process.env.RUNNER_TOOL_CACHE);
  await mkdir(process.env.RUNNER_TEMP);
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = files.get(req.url ?? '');
    res.writeHead(body ? 200 : 404).end(body ?? 'Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const [tool, exe] of [
    ['trivy', s.trivy],
    ['grype', s.grype],
  ] as const) {
    const version = versions[tool];
    const tarball = await releaseTarball(tool, exe, version);
    const asset = assetName(tool, version, 'linux', 'x64');
    // The checksums file lists every platform's asset, as the releases' do.
    const other = assetName(tool, version, 'darwin', 'arm64');
    files.set(pathOf(releaseUrl(tool, version, asset, baseUrl)), tarball);
    files.set(
      pathOf(releaseUrl(tool, version, checksumsName(tool, version), baseUrl)),
      Buffer.from(`${'1'.repeat(64)}  ${other}\n${sha256(tarball)}  ${asset}\n`),
    );
  }
}, 600_000);

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  // process.env turns undefined into the string "undefined": delete instead.
  if (saved.tools === undefined) delete process.env.RUNNER_TOOL_CACHE;
  else process.env.RUNNER_TOOL_CACHE = saved.tools;
  if (saved.temp === undefined) delete process.env.RUNNER_TEMP;
  else process.env.RUNNER_TEMP = saved.temp;
  // Copies of the real binaries and their archives: hundreds of MB.
  await rm(dir, { recursive: true, force: true });
});

const install = (tool: ScannerName) =>
  installScanner(tool, {
    toolCache,
    baseUrl,
    version: versions[tool],
    platform: 'linux',
    arch: 'x64',
  });

describe('installing the real scanners from release-shaped archives', () => {
  test.each(['trivy', 'grype'] as const)(
    '%s: downloaded, checked against the checksums file, cached, and it runs',
    async (tool) => {
      requests.length = 0;
      const exe = await install(tool);
      expect(exe).toBe(join(process.env.RUNNER_TOOL_CACHE!, tool, versions[tool], 'x64', tool));
      const { stdout } = await run(exe, ['version'], {
        env: { ...process.env, GRYPE_CHECK_FOR_APP_UPDATE: 'false' },
      });
      expect(stdout).toMatch(new RegExp(`Version:\\s+${versions[tool].replaceAll('.', '\\.')}`));
      expect(requests).toEqual([
        pathOf(releaseUrl(tool, versions[tool], checksumsName(tool, versions[tool]), baseUrl)),
        pathOf(
          releaseUrl(
            tool,
            versions[tool],
            assetName(tool, versions[tool], 'linux', 'x64'),
            baseUrl,
          ),
        ),
      ]);
      // Installed once: the next run takes it from the tool cache without a request.
      requests.length = 0;
      expect(await install(tool)).toBe(exe);
      expect(requests).toEqual([]);
    },
  );

  test('an archive that differs from its checksum by one byte is refused and not cached', async () => {
    const version = '9.9.9';
    const asset = assetName('trivy', version, 'linux', 'x64');
    const good = files.get(
      pathOf(
        releaseUrl(
          'trivy',
          versions.trivy,
          assetName('trivy', versions.trivy, 'linux', 'x64'),
          baseUrl,
        ),
      ),
    )!;
    const tampered = Buffer.from(good);
    tampered[tampered.length - 1] ^= 0xff;
    files.set(pathOf(releaseUrl('trivy', version, asset, baseUrl)), tampered);
    files.set(
      pathOf(releaseUrl('trivy', version, checksumsName('trivy', version), baseUrl)),
      Buffer.from(`${sha256(good)}  ${asset}\n`),
    );
    await expect(
      installScanner('trivy', { toolCache, baseUrl, version, platform: 'linux', arch: 'x64' }),
    ).rejects.toThrow(`${asset} does not match its published checksum`);
    expect(toolCache.find('trivy', version)).toBe('');
  });
});
