import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, truncate, writeFile, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { inspect } from '../../src/commands/inspect.js';
import {
  multiArchImage,
  skopeoConfigDigest,
  skopeoDigest,
  testEnv,
  testImage,
  testSecrets,
} from '../helpers/env.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, DOCKER_HOST: testEnv().dockerHost },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('inspect reads every transport and agrees with skopeo', () => {
  const img = testImage('multi-layer');
  const transports = [
    ['registry', img.docker],
    ['docker-archive', img.dockerArchive],
    ['oci layout', img.oci],
    ['oci-archive', img.ociArchive],
    ['daemon', img.daemon],
  ] as const;

  test.each(transports)("%s: manifest and config digests equal skopeo's", async (_name, ref) => {
    const info = await inspect({ image: ref, tlsVerify: false, dockerHost: testEnv().dockerHost });
    expect(info.configDigest).toBe(await skopeoConfigDigest(ref));
    if (!ref.startsWith('docker-daemon:'))
      expect(info.manifestDigest).toBe(await skopeoDigest(ref));
    expect(info.layers.length).toBeGreaterThanOrEqual(5);
    expect(info.layers.every((l) => l.fileCount > 0 && l.uncompressedSize > 0)).toBe(true);
  });

  test('the same image has the same diffIDs in every transport', async () => {
    const ids = await Promise.all(
      transports.map(async ([, ref]) =>
        (await inspect({ image: ref, dockerHost: testEnv().dockerHost })).layers.map(
          (l) => l.diffId,
        ),
      ),
    );
    for (const other of ids.slice(1)) expect(other).toEqual(ids[0]);
  });

  test('zstd layers are read and verified', async () => {
    const zstd = testImage('multi-layer').zstd!;
    const info = await inspect({ image: zstd });
    expect(info.layers.some((l) => l.mediaType.endsWith('zstd'))).toBe(true);
    expect(info.manifestDigest).toBe(await skopeoDigest(zstd));
  });

  test('the CLI prints JSON with the digests, and a table by default', async () => {
    const json = await cli('inspect', img.docker, '--format', 'json');
    expect(json.code).toBe(0);
    const info = JSON.parse(json.stdout) as { manifestDigest: string; layers: unknown[] };
    expect(info.manifestDigest).toBe(await skopeoDigest(img.docker));
    const table = await cli('inspect', img.oci);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(await skopeoDigest(img.oci));
  });
});

describe('bad input is a clear error with exit code 2', () => {
  test('a blob corrupted in the registry storage names the layer', async () => {
    const env = testEnv();
    const img = testImage('good');
    const info = await inspect({ image: img.docker });
    // Corrupt a copy: push the image under another name, then flip a byte in its storage.
    const ref = `docker://${env.registry}/image-gate-test/corrupt:latest`;
    await run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', img.oci, ref]);
    const layer = info.layers[info.layers.length - 1]!;
    const data = join(
      env.registryStorage,
      'docker/registry/v2/blobs/sha256',
      layer.digest.slice(7, 9),
      layer.digest.slice(7),
      'data',
    );
    const original = await readFile(data);
    try {
      const bytes = Buffer.from(original);
      bytes[bytes.length - 20] ^= 0xff;
      await writeFile(data, bytes);
      const r = await cli('inspect', ref);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`layer ${layer.index} (${layer.digest})`);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      await writeFile(data, original);
    }
  });

  test('a truncated archive is an error, not a hang', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ig-trunc-'));
    const file = join(dir, 'x.tar');
    await copyFile(testImage('good').dockerArchive.replace(/^docker-archive:/, ''), file);
    await truncate(file, Math.floor((await stat(file)).size / 2));
    const r = await cli('inspect', `docker-archive:${file}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/truncated|manifest\.json|incomplete/);
  });

  test('an unreachable registry is named', async () => {
    const r = await cli('inspect', 'docker://127.0.0.1:9/nothing/here:latest');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('127.0.0.1:9');
  });

  test('a missing tag names the registry and the HTTP status', async () => {
    const r = await cli(
      'inspect',
      `docker://${testEnv().registry}/image-gate-test/good:no-such-tag`,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(testEnv().registry);
    expect(r.stderr).toContain('404');
  });

  test('a daemon image that does not exist', async () => {
    const r = await cli('inspect', 'docker-daemon:image-gate-test/none:latest');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no image');
  });

  test('an OCI layout directory that is not one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ig-empty-'));
    expect(await readdir(dir)).toEqual([]);
    const r = await cli('inspect', `oci:${dir}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not an OCI image layout');
  });
});

describe('multi-platform images', () => {
  test.each([
    ['registry', () => multiArchImage().docker],
    ['oci layout', () => multiArchImage().oci],
    ['oci-archive', () => multiArchImage().ociArchive],
  ])('%s: --platform picks the manifest of that platform', async (_name, ref) => {
    const img = multiArchImage();
    const amd64 = await inspect({ image: ref() });
    expect(amd64.platform).toBe('linux/amd64');
    expect(amd64.manifestDigest).toBe(img.platforms['linux/amd64']);
    const arm64 = await inspect({ image: ref(), platform: 'linux/arm64' });
    expect(arm64.platform).toBe('linux/arm64/v8');
    expect(arm64.manifestDigest).toBe(img.platforms['linux/arm64/v8']);
    expect(arm64.layers.length).toBe(amd64.layers.length + 1);
  });

  test('a platform the index does not have is an error listing those it has', async () => {
    const r = await cli('inspect', multiArchImage().docker, '--platform', 'linux/s390x');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('linux/amd64');
    expect(r.stderr).toContain('linux/arm64/v8');
  });
});

describe('inspect never prints a secret from the config', () => {
  test.each(['secret-env', 'secret-buildarg', 'secret-label'])('%s', async (name) => {
    const secrets = testSecrets();
    for (const format of ['table', 'json']) {
      const r = await cli('inspect', testImage(name).docker, '--format', format);
      expect(r.code).toBe(0);
      for (const value of [secrets.awsSecretAccessKey, secrets.githubToken, secrets.labelToken]) {
        expect(r.stdout).not.toContain(value);
      }
      expect(r.stdout).toContain('(redacted: ');
    }
  });
});
