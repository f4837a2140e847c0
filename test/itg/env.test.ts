// Smoke test of the real test environment (test/env/start.sh, test/images/build.sh): the engine
// and the registry answer, every test image exists in every transport and skopeo reads the same
// image from each, and the images really have the properties their Dockerfiles claim.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import {
  multiArchImage,
  skopeo,
  skopeoConfigDigest,
  skopeoDigest,
  testEnv,
  testImage,
  testSecrets,
  type TestImage,
} from '../helpers/env.js';

const run = promisify(execFile);

const IMAGES = [
  'base-a',
  'base-b',
  'good',
  'root-default',
  'user-root-name',
  'user-zero-group',
  'user-named',
  'user-named-uid0',
  'user-missing',
  'passwd-symlink',
  'passwd-rewritten',
  'passwd-deleted',
  'secret-deleted',
  'secret-opaque',
  'secret-env',
  'secret-buildarg',
  'secret-label',
  'secret-allowed-path',
  'multi-layer',
  'squashed-base',
];

interface Config {
  config?: { User?: string; Env?: string[]; Labels?: Record<string, string> };
  rootfs: { diff_ids: string[] };
  history?: Array<{ created_by?: string; empty_layer?: boolean }>;
}
interface Manifest {
  mediaType?: string;
  layers: Array<{ mediaType: string; digest: string }>;
  manifests?: Array<{ digest: string; platform?: { architecture: string } }>;
}

async function config(ref: string): Promise<Config> {
  return JSON.parse((await skopeo(['inspect', '--config', '--raw'], ref)).toString()) as Config;
}
/** The layer blob files of an image's OCI layout, in order. */
function ociLayerFiles(img: TestImage): string[] {
  const layout = img.oci.replace(/^oci:/, '').replace(/:latest$/, '');
  const blob = (d: string): string => join(layout, 'blobs', 'sha256', d.slice('sha256:'.length));
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as Manifest;
  const m = JSON.parse(readFileSync(blob(index.manifests![0]!.digest), 'utf8')) as Manifest;
  return m.layers.map((l) => blob(l.digest));
}
async function tarList(file: string): Promise<string[]> {
  return (await run('tar', ['-tzf', file], { maxBuffer: 64 * 1024 * 1024 })).stdout.split('\n');
}
async function manifest(ref: string): Promise<Manifest> {
  return JSON.parse((await skopeo(['inspect', '--raw'], ref)).toString()) as Manifest;
}

describe('engine and registry', () => {
  test('dockerd answers on the private socket', async () => {
    const env = testEnv();
    expect(env.dockerHost).toMatch(/^unix:\/\//);
    const { stdout } = await run(env.dockerCli, [
      '-H',
      env.dockerHost,
      'version',
      '--format',
      '{{.Server.Version}}',
    ]);
    expect(stdout.trim()).not.toBe('');
  });

  test('the registry answers on 127.0.0.1', async () => {
    const env = testEnv();
    expect(env.registry).toMatch(/^127\.0\.0\.1:\d+$/);
    const res = await fetch(`http://${env.registry}/v2/`);
    expect(res.status).toBe(200);
  });
});

describe('every test image in every transport', () => {
  test.each(IMAGES)('%s', async (name) => {
    const img = testImage(name);
    const docker = [img.docker, img.dockerArchive, img.daemon];
    for (const c of await Promise.all(docker.map((r) => skopeoConfigDigest(r)))) {
      expect(c).toBe(img.info.imageId);
    }
    expect(await skopeoDigest(img.docker)).toBe(img.info.manifestDigest);
    // The OCI layout and archive hold skopeo's OCI conversion of the registry's manifest.
    for (const ref of [img.oci, img.ociArchive]) {
      expect(await skopeoDigest(ref)).toBe(img.info.ociManifestDigest);
      expect(await skopeoConfigDigest(ref)).toBe(img.info.ociConfigDigest);
    }
    for (const ref of [img.docker, img.oci, img.ociArchive]) {
      expect((await config(ref)).rootfs.diff_ids).toEqual(img.info.diffIds);
    }
  });

  test.each(IMAGES.filter((n) => testImage(n).zstd))(
    '%s:zstd has zstd layers and the same diff IDs',
    async (name) => {
      const img = testImage(name);
      const m = await manifest(img.zstd!);
      expect(m.layers.length).toBe(img.info.layers);
      for (const l of m.layers)
        expect(l.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+zstd');
      // An OCI conversion too (see ImageInfo.ociConfigDigest): the OCI layout's config.
      expect(await skopeoConfigDigest(img.zstd!)).toBe(img.info.zstdConfigDigest);
      expect(img.info.zstdConfigDigest).toBe(img.info.ociConfigDigest);
      expect(await skopeoDigest(img.zstd!)).toBe(img.info.zstdManifestDigest);
      expect((await config(img.zstd!)).rootfs.diff_ids).toEqual(img.info.diffIds);
    },
  );
});

describe('the images have the properties they are built for', () => {
  test('base-a and base-b differ from layer 0 on', async () => {
    const a = (await config(testImage('base-a').docker)).rootfs.diff_ids;
    const b = (await config(testImage('base-b').docker)).rootfs.diff_ids;
    expect(a[0]).not.toBe(b[0]);
    expect(a.filter((d) => b.includes(d))).toEqual([]);
  });

  test('images built on base-a start with its layers; squashed-base does not', async () => {
    const base = testImage('base-a').info.diffIds;
    for (const name of IMAGES.filter((n) => !['base-a', 'base-b', 'squashed-base'].includes(n))) {
      expect(testImage(name).info.diffIds.slice(0, base.length), name).toEqual(base);
    }
    const squashed = await manifest(testImage('squashed-base').docker);
    expect(squashed.layers).toHaveLength(1);
    expect(base).not.toContain(testImage('squashed-base').info.diffIds[0]);
  });

  test('multi-layer has at least 5 layers of its own', async () => {
    const m = await manifest(testImage('multi-layer').docker);
    expect(m.layers.length).toBeGreaterThanOrEqual(testImage('base-a').info.layers + 5);
  });

  test("secret-opaque's last layer carries an opaque whiteout", async () => {
    const layers = ociLayerFiles(testImage('secret-opaque'));
    expect(await tarList(layers[layers.length - 1]!)).toContain('opt/keys/.wh..wh..opq');
  });

  test('secret-deleted: one layer adds the credentials, the next whites them out', async () => {
    const layers = ociLayerFiles(testImage('secret-deleted'));
    expect(await tarList(layers[layers.length - 2]!)).toContain('home/app/.aws/credentials');
    expect(await tarList(layers[layers.length - 1]!)).toContain('home/app/.aws/.wh.credentials');
  });

  test('multi-layer: hard links, symlinks, long names, whiteout', async () => {
    const layers = ociLayerFiles(testImage('multi-layer'));
    const { stdout } = await run('sh', ['-c', 'for f; do tar -tvzf "$f"; done', 'sh', ...layers]);
    // Which of two linked names is the file and which the link is up to the tar writer.
    expect(stdout).toMatch(
      /^h.* data\/a\/(hardlink|original)\.txt link to data\/a\/(original|hardlink)\.txt$/m,
    );
    expect(stdout).toMatch(/^h.* data\/hardlink-to-lower\.txt link to data\/a\/original\.txt$/m);
    expect(stdout).toMatch(/^l.* data\/links\/relative -> \.\.\/a\/original\.txt$/m);
    expect(stdout).toMatch(/ data\/a\/\.wh\.to-delete\.txt$/m);
    expect(stdout).toContain('data/long/café-ünïcödé-名前.txt');
    expect(stdout.split('\n').some((l) => l.length > 400 && l.includes('long-name-'))).toBe(true);
  });

  test('users as configured', async () => {
    const users: Record<string, string> = {
      good: '1000',
      'root-default': '',
      'user-root-name': 'root',
      'user-zero-group': '0:1000',
      'user-named': 'app',
      'user-named-uid0': 'toor',
      'user-missing': 'ghost',
      'passwd-symlink': 'app',
      'passwd-rewritten': 'app',
      'passwd-deleted': 'app',
      'squashed-base': '1000',
      'multi-layer': '1000',
    };
    for (const [name, user] of Object.entries(users)) {
      expect((await config(testImage(name).docker)).config?.User ?? '', name).toBe(user);
    }
  });

  test('secrets sit where the images say', async () => {
    const s = testSecrets();
    const env = await config(testImage('secret-env').docker);
    expect(env.config?.Env).toContain(`AWS_SECRET_ACCESS_KEY=${s.awsSecretAccessKey}`);
    const arg = await config(testImage('secret-buildarg').docker);
    expect(arg.config?.Env?.join('\n') ?? '').not.toContain(s.githubToken);
    expect(arg.history?.some((h) => h.created_by?.includes(`GITHUB_TOKEN=${s.githubToken}`))).toBe(
      true,
    );
    const label = await config(testImage('secret-label').docker);
    expect(label.config?.Labels?.['io.image-gate.test.deploy-token']).toBe(s.labelToken);
    expect(s.awsAccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(s.awsAccessKeyId).not.toBe('AKIAIOSFODNN7EXAMPLE');
    expect(s.githubToken).toMatch(/^ghp_[A-Za-z0-9]{36}$/);
    expect(readFileSync(s.rsaPrivateKeyFile, 'utf8')).toContain('-----BEGIN RSA PRIVATE KEY-----');
  });

  test('multi-arch is an index of linux/amd64 (= good) and linux/arm64', async () => {
    const ma = multiArchImage();
    expect(await skopeoDigest(ma.docker)).toBe(ma.manifestDigest);
    expect(await skopeoDigest(ma.oci)).toBe(ma.manifestDigest);
    expect(await skopeoDigest(ma.ociArchive)).toBe(ma.manifestDigest);
    const index = await manifest(ma.docker);
    expect(index.manifests?.map((m) => m.platform?.architecture)).toEqual(['amd64', 'arm64']);
    // linux/amd64 is good's OCI conversion; skopeo picks the host platform (amd64 here).
    expect(ma.platforms['linux/amd64']).toBe(testImage('good').info.ociManifestDigest);
    expect(await skopeoConfigDigest(ma.docker)).toBe(testImage('good').info.ociConfigDigest);
  });
});
