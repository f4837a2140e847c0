import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { ToolCache } from '../../../src/scanners/install.js';
import { assetName, findChecksum, installScanner } from '../../../src/scanners/install.js';

const VERSION = '0.74.0';
const ASSET = 'trivy_0.74.0_Linux-64bit.tar.gz';
const RELEASE = `/aquasecurity/trivy/releases/download/v${VERSION}`;

let root: string;
let server: Server;
let baseUrl: string;
/** Path → body the fake GitHub serves; everything else is a 404. */
let files: Map<string, Buffer>;
let requests: string[];

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'image-gate-install-'));
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = files.get(req.url ?? '');
    res.writeHead(body ? 200 : 404).end(body ?? 'Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  rmSync(path.join(root, 'cache'), { recursive: true, force: true });
  requests = [];
  const tarball = releaseTarball();
  files = new Map([
    [`${RELEASE}/${ASSET}`, tarball],
    [`${RELEASE}/trivy_${VERSION}_checksums.txt`, checksums({ [ASSET]: sha256(tarball) })],
  ]);
});

/** A release tarball holding a `trivy` that prints its version, like the real one. */
function releaseTarball(): Buffer {
  const dir = mkdtempSync(path.join(root, 'release-'));
  writeFileSync(path.join(dir, 'trivy'), `#!/bin/sh\necho "Version: ${VERSION}"\n`, {
    mode: 0o755,
  });
  writeFileSync(path.join(dir, 'LICENSE'), 'Apache-2.0\n');
  const file = path.join(root, `${path.basename(dir)}.tar.gz`);
  execFileSync('tar', ['-czf', file, '-C', dir, 'trivy', 'LICENSE']);
  return readFileSync(file);
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function checksums(entries: Record<string, string>): Buffer {
  const lines = Object.entries(entries).map(([name, hash]) => `${hash}  ${name}`);
  return Buffer.from(
    ['0'.repeat(64) + '  trivy_0.74.0_Linux-ARM64.tar.gz', ...lines, ''].join('\n'),
  );
}

/** A ToolCache like @actions/tool-cache's, on the local disk and real HTTP. */
const toolCache: ToolCache = {
  find(tool, version) {
    const dir = path.join(root, 'cache', tool, version);
    return existsSync(dir) ? dir : '';
  },
  async downloadTool(url) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`Unexpected HTTP response: ${res.status}`);
    const file = path.join(mkdtempSync(path.join(root, 'dl-')), 'download');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    return file;
  },
  async extractTar(file) {
    const dir = mkdtempSync(path.join(root, 'x-'));
    execFileSync('tar', ['-xzf', file, '-C', dir]);
    return dir;
  },
  async cacheDir(dir, tool, version) {
    const dest = path.join(root, 'cache', tool, version);
    mkdirSync(dest, { recursive: true });
    cpSync(dir, dest, { recursive: true });
    return dest;
  },
};

const install = () =>
  installScanner('trivy', { toolCache, baseUrl, platform: 'linux', arch: 'x64', version: VERSION });

describe('installing a pinned scanner release', () => {
  test('downloads, verifies and caches the release, and the executable runs', async () => {
    const exe = await install();
    expect(exe).toBe(path.join(root, 'cache', 'trivy', VERSION, 'trivy'));
    expect(execFileSync(exe).toString()).toBe(`Version: ${VERSION}\n`);
    expect(requests).toEqual([`${RELEASE}/trivy_${VERSION}_checksums.txt`, `${RELEASE}/${ASSET}`]);
  });

  test('a cached release is used without downloading', async () => {
    await install();
    requests = [];
    await install();
    expect(requests).toEqual([]);
  });

  test('a tarball that does not match its checksum is refused and not cached', async () => {
    files.set(`${RELEASE}/${ASSET}`, Buffer.from('tampered'));
    await expect(install()).rejects.toMatchObject({
      code: 'scanner',
      message: expect.stringMatching(`^${ASSET} does not match its published checksum`),
    });
    expect(toolCache.find('trivy', VERSION)).toBe('');
  });

  test('a checksums file without the asset is refused', async () => {
    files.set(`${RELEASE}/trivy_${VERSION}_checksums.txt`, checksums({}));
    await expect(install()).rejects.toThrow(`lists no checksum for ${ASSET}`);
  });

  test('a release that cannot be downloaded is a scanner error naming the URL', async () => {
    files.delete(`${RELEASE}/${ASSET}`);
    await expect(install()).rejects.toThrow(
      `cannot download ${baseUrl}${RELEASE}/${ASSET}: Unexpected HTTP response: 404`,
    );
  });
});

describe('release asset names', () => {
  test.each([
    ['trivy', 'linux', 'x64', 'trivy_0.74.0_Linux-64bit.tar.gz'],
    ['trivy', 'darwin', 'arm64', 'trivy_0.74.0_macOS-ARM64.tar.gz'],
    ['grype', 'linux', 'x64', 'grype_0.74.0_linux_amd64.tar.gz'],
    ['grype', 'darwin', 'arm64', 'grype_0.74.0_darwin_arm64.tar.gz'],
  ] as const)('%s on %s/%s is %s', (tool, platform, arch, name) => {
    expect(assetName(tool, VERSION, platform, arch)).toBe(name);
  });

  test('an unsupported platform is a clear error', () => {
    expect(() => assetName('grype', VERSION, 'win32', 'x64')).toThrow(
      'no grype release for win32/x64',
    );
  });

  test('checksum lines in binary mode (`*name`) are read too', () => {
    expect(findChecksum(`${'a'.repeat(64)} *grype.tar.gz\n`, 'grype.tar.gz')).toBe('a'.repeat(64));
  });
});
