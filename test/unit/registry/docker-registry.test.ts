/**
 * Against the real Debian `docker-registry` (distribution 2.8): push a small image with the
 * client, read it back, and check that skopeo sees the same manifest and config.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GateError } from '../../../src/errors.js';
import { RegistryClient } from '../../../src/image/registry/client.js';
import { MANIFEST_ACCEPT } from '../../../src/image/registry/media-types.js';
import { sha256 } from './fake-registry.js';

const REGISTRY_BIN = '/usr/bin/docker-registry';
const run = promisify(execFile);
const haveTools = existsSync(REGISTRY_BIN) && existsSync('/usr/bin/skopeo');

let dir: string;
let registry: ChildProcess | undefined;
let host: string;
let client: RegistryClient;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function waitForRegistry(port: number, proc: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`docker-registry exited with ${proc.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('docker-registry did not start');
}

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const [name, content] of Object.entries(files)) {
    pack.entry({ name, mode: 0o644, mtime: new Date(0) }, content);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  if (!haveTools) return;
  dir = await mkdtemp(join(tmpdir(), 'ig-registry-'));
  const port = await freePort();
  host = `127.0.0.1:${port}`;
  const configPath = join(dir, 'config.yml');
  await writeFile(
    configPath,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'storage')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host}`,
      '',
    ].join('\n'),
  );
  registry = spawn(REGISTRY_BIN, ['serve', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  registry.stderr?.resume();
  await waitForRegistry(port, registry);
  client = new RegistryClient({ dockerConfigDir: dir, retries: 1, retryBaseDelayMs: 10 });
}, 30_000);

afterAll(async () => {
  await client?.close();
  const proc = registry;
  if (proc?.pid !== undefined && proc.exitCode === null) {
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    process.kill(proc.pid, 'SIGTERM');
    await exited;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!haveTools)('against the real docker-registry', () => {
  const repo = () => ({ registry: host, repository: 'demo/app' });
  let layer: Buffer;
  let config: Buffer;
  let manifest: Buffer;
  let manifestDigest: string;

  test('push a small image: layer, config (streamed), manifest', async () => {
    const layerTar = await tarOf({
      'hello.txt': 'hello from image-gate\n',
      'etc/passwd': 'root:x:0:0::/root:/bin/sh\n',
    });
    layer = gzipSync(layerTar);
    config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { User: '1000', Env: ['PATH=/usr/bin'] },
        rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] },
        history: [{ created_by: 'test' }],
      }),
    );
    manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: sha256(config),
          size: config.length,
        },
        layers: [
          {
            mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
            digest: sha256(layer),
            size: layer.length,
          },
        ],
      }),
    );
    expect(await client.blobExists(repo(), sha256(layer))).toBe(false);
    await client.pushBlob(repo(), sha256(layer), layer, layer.length);
    await client.pushBlob(repo(), sha256(config), Readable.from([config]), config.length);
    expect(await client.blobExists(repo(), sha256(layer))).toBe(true);
    await client.pushBlob(repo(), sha256(layer), layer, layer.length); // already there: a no-op
    manifestDigest = await client.putManifest(
      repo(),
      'v1',
      manifest,
      'application/vnd.oci.image.manifest.v1+json',
    );
    expect(manifestDigest).toBe(sha256(manifest));
    expect(await client.listTags(repo())).toEqual(['v1']);
  });

  test('read it back by tag and by digest, config and layer', async () => {
    const byTag = await client.getManifest(repo(), 'v1', MANIFEST_ACCEPT);
    expect(byTag.bytes).toEqual(manifest);
    expect(byTag.digest).toBe(manifestDigest);
    expect(byTag.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect((await client.getManifest(repo(), manifestDigest, MANIFEST_ACCEPT)).bytes).toEqual(
      manifest,
    );
    expect(await client.getBlobBytes(repo(), sha256(config), 1 << 20)).toEqual(config);
    const chunks: Buffer[] = [];
    for await (const c of await client.getBlob(repo(), sha256(layer))) chunks.push(c as Buffer);
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(layer));
  });

  test('skopeo sees the same manifest digest and config', async () => {
    const ref = `docker://${host}/demo/app:v1`;
    const raw = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', ref], {
      encoding: 'buffer',
    });
    expect(sha256(raw.stdout)).toBe(manifestDigest);
    const rawConfig = await run(
      'skopeo',
      ['inspect', '--raw', '--config', '--tls-verify=false', ref],
      {
        encoding: 'buffer',
      },
    );
    expect(sha256(rawConfig.stdout)).toBe(sha256(config));
    const parsed = JSON.parse(
      (await run('skopeo', ['inspect', '--config', '--tls-verify=false', ref])).stdout,
    ) as { config?: { User?: string }; rootfs?: { diff_ids?: string[] } };
    const ours = JSON.parse(config.toString()) as typeof parsed;
    expect(parsed.config?.User).toBe('1000');
    expect(parsed.rootfs).toEqual(ours.rootfs);
  });

  test('an unknown tag is not-found with the registry error', async () => {
    const err = await client.getManifest(repo(), 'nope', MANIFEST_ACCEPT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GateError);
    expect((err as GateError).code).toBe('not-found');
    expect((err as GateError).message).toMatch(
      new RegExp(`^registry ${host} answered 404 for manifest demo/app:nope: MANIFEST_UNKNOWN`),
    );
  });

  test('a blob corrupted in storage fails the verified read, naming the blob', async () => {
    const hex = sha256(config).slice('sha256:'.length);
    const data = join(dir, 'storage/docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    const original = await readFile(data);
    const corrupt = Buffer.from(original);
    corrupt[corrupt.length - 2] ^= 0x01;
    await writeFile(data, corrupt);
    const err = await client.getBlobBytes(repo(), sha256(config), 1 << 20).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GateError);
    expect((err as GateError).code).toBe('digest');
    expect((err as GateError).message).toContain(`blob demo/app@${sha256(config)}`);
    expect((err as GateError).message).toContain(host);
  });
});
