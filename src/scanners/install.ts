import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GateError, errorMessage } from '../errors.js';
import type { ScannerName } from './finding.js';

/**
 * The slice of @actions/tool-cache the installer needs, as a port: src/scanners must not import
 * @actions/*, and tests back it with a local server. `find` returns '' when nothing is cached.
 */
export interface ToolCache {
  find(tool: string, version: string): string;
  downloadTool(url: string): Promise<string>;
  extractTar(file: string): Promise<string>;
  cacheDir(dir: string, tool: string, version: string): Promise<string>;
}

/** Pinned releases: bumped on purpose, each with its checksums file verified at install time. */
export const DEFAULT_VERSIONS: Record<ScannerName, string> = {
  trivy: '0.74.0',
  grype: '0.121.3',
};

const REPOS: Record<ScannerName, string> = {
  trivy: 'aquasecurity/trivy',
  grype: 'anchore/grype',
};

export interface InstallOptions {
  toolCache: ToolCache;
  version?: string;
  platform?: NodeJS.Platform;
  arch?: string;
  /** The GitHub base URL; tests point it at 127.0.0.1. */
  baseUrl?: string;
}

/** Release asset names differ by project: `trivy_0.74.0_Linux-64bit.tar.gz`, `grype_0.121.3_linux_amd64.tar.gz`. */
export function assetName(
  tool: ScannerName,
  version: string,
  platform: NodeJS.Platform,
  arch: string,
): string {
  const os = { linux: 'linux', darwin: 'darwin' }[platform as string];
  const cpu = { x64: 'amd64', arm64: 'arm64' }[arch];
  if (os === undefined || cpu === undefined) {
    throw new GateError('scanner', `no ${tool} release for ${platform}/${arch}`);
  }
  if (tool === 'grype') return `grype_${version}_${os}_${cpu}.tar.gz`;
  const trivyOs = os === 'linux' ? 'Linux' : 'macOS';
  return `trivy_${version}_${trivyOs}-${cpu === 'amd64' ? '64bit' : 'ARM64'}.tar.gz`;
}

export function checksumsName(tool: ScannerName, version: string): string {
  return `${tool}_${version}_checksums.txt`;
}

export function releaseUrl(tool: ScannerName, version: string, file: string, base: string): string {
  return `${base}/${REPOS[tool]}/releases/download/v${version}/${file}`;
}

/**
 * Returns the path of the scanner's executable: from the tool cache, or downloaded from the
 * official GitHub release, checked against the release's sha256 checksums file, then cached.
 */
export async function installScanner(tool: ScannerName, options: InstallOptions): Promise<string> {
  const tc = options.toolCache;
  const version = options.version ?? DEFAULT_VERSIONS[tool];
  const cached = tc.find(tool, version);
  if (cached) return path.join(cached, tool);

  const base = options.baseUrl ?? 'https://github.com';
  const asset = assetName(
    tool,
    version,
    options.platform ?? process.platform,
    options.arch ?? process.arch,
  );
  const expected = await expectedChecksum(
    tc,
    releaseUrl(tool, version, checksumsName(tool, version), base),
    asset,
  );
  const archive = await download(tc, releaseUrl(tool, version, asset, base));
  const actual = await sha256File(archive);
  if (actual !== expected) {
    throw new GateError(
      'scanner',
      `${asset} does not match its published checksum (expected sha256 ${expected}, got ${actual})`,
    );
  }
  const dir = await tc.extractTar(archive);
  if (!existsSync(path.join(dir, tool))) {
    throw new GateError('scanner', `${asset} does not contain a ${tool} executable`);
  }
  return path.join(await tc.cacheDir(dir, tool, version), tool);
}

/** The sha256 listed for `asset` in a `sha256sum`-style checksums file. */
export function findChecksum(text: string, asset: string): string | undefined {
  for (const line of text.split('\n')) {
    const [hash, name] = line.trim().split(/\s+\*?/);
    if (name === asset && /^[0-9a-f]{64}$/i.test(hash ?? '')) return hash!.toLowerCase();
  }
  return undefined;
}

async function expectedChecksum(tc: ToolCache, url: string, asset: string): Promise<string> {
  const text = await readFile(await download(tc, url), 'utf8');
  const hash = findChecksum(text, asset);
  if (hash === undefined) throw new GateError('scanner', `${url} lists no checksum for ${asset}`);
  return hash;
}

async function download(tc: ToolCache, url: string): Promise<string> {
  try {
    return await tc.downloadTool(url);
  } catch (err) {
    throw new GateError('scanner', `cannot download ${url}: ${errorMessage(err)}`, { cause: err });
  }
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
