/**
 * Builds small OCI image layouts in a temp directory from layer descriptions written in the test,
 * so walker and policy tests need no daemon. Real-engine images are built by test/images/.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';

export type TarMember =
  | { path: string; content: string | Buffer; mode?: number; uid?: number }
  | { path: string; dir: true }
  | { path: string; symlink: string }
  | { path: string; hardlink: string };

export interface LayerSpec {
  members: TarMember[];
  compression?: 'gzip' | 'none';
}

export interface BuiltImage {
  dir: string;
  ref: string;
  manifestDigest: string;
  configDigest: string;
  diffIds: string[];
  layerDigests: string[];
}

export function sha256(b: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(b).digest('hex');
}

export async function tarOf(members: TarMember[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const m of members) {
    if ('content' in m) {
      pack.entry({ name: m.path, mode: m.mode ?? 0o644, uid: m.uid ?? 0 }, m.content);
    } else if ('dir' in m) {
      pack.entry({ name: m.path, type: 'directory', mode: 0o755 });
    } else if ('symlink' in m) {
      pack.entry({ name: m.path, type: 'symlink', linkname: m.symlink });
    } else {
      pack.entry({ name: m.path, type: 'link', linkname: m.hardlink });
    }
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Writes an OCI layout with one image tagged `latest`. */
export async function buildOciImage(
  layers: LayerSpec[],
  config: { User?: string; Env?: string[]; Labels?: Record<string, string>; history?: { created_by: string; empty_layer?: boolean }[]; diffIds?: string[] } = {},
): Promise<BuiltImage> {
  const dir = await mkdtemp(join(tmpdir(), 'ig-oci-'));
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = async (bytes: Buffer): Promise<string> => {
    const d = sha256(bytes);
    await writeFile(join(dir, 'blobs', 'sha256', d.slice(7)), bytes);
    return d;
  };
  const diffIds: string[] = [];
  const descs = [];
  for (const l of layers) {
    const raw = await tarOf(l.members);
    diffIds.push(sha256(raw));
    const blob = l.compression === 'none' ? raw : gzipSync(raw);
    const digest = await put(blob);
    descs.push({
      mediaType: l.compression === 'none' ? 'application/vnd.oci.image.layer.v1.tar' : 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest,
      size: blob.length,
    });
  }
  const cfg = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { User: config.User ?? '', Env: config.Env ?? ['PATH=/bin'], Labels: config.Labels ?? {} },
      rootfs: { type: 'layers', diff_ids: config.diffIds ?? diffIds },
      history: config.history ?? layers.map((_, i) => ({ created_by: `layer ${i}` })),
    }),
  );
  const configDigest = await put(cfg);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: cfg.length },
      layers: descs,
    }),
  );
  const manifestDigest = await put(manifest);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDigest,
          size: manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': 'latest' },
        },
      ],
    }),
  );
  return { dir, ref: `oci:${dir}:latest`, manifestDigest, configDigest, diffIds, layerDigests: descs.map((d) => d.digest) };
}
