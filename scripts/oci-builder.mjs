// Builds small OCI image layouts from layer descriptions, without a Docker daemon. Used by the
// unit tests (test/unit/) and by the bundled example (examples/build-example.mjs); images built
// by the real Docker engine come from test/images/.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';

export function sha256(bytes) {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

/** A tar archive of the members, in order. */
export async function tarOf(members) {
  const pack = tar.pack();
  const chunks = [];
  const done = new Promise((resolve, reject) => {
    pack.on('data', (c) => chunks.push(c));
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  // A fixed mtime keeps the layers, and so every digest, the same from run to run.
  const mtime = new Date('2026-01-01T00:00:00Z');
  for (const m of members) {
    if ('content' in m) {
      pack.entry({ name: m.path, mode: m.mode ?? 0o644, uid: m.uid ?? 0, mtime }, m.content);
    } else if ('dir' in m) {
      pack.entry({ name: m.path, type: 'directory', mode: 0o755, mtime });
    } else if ('symlink' in m) {
      pack.entry({ name: m.path, type: 'symlink', linkname: m.symlink, mtime });
    } else {
      pack.entry({ name: m.path, type: 'link', linkname: m.hardlink, mtime });
    }
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Writes an OCI layout holding one image named `latest`, in `dir` or a new temp directory. */
export async function buildOciImage(layers, config = {}, dir) {
  dir ??= await mkdtemp(join(tmpdir(), 'ig-oci-'));
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = async (bytes) => {
    const d = sha256(bytes);
    await writeFile(join(dir, 'blobs', 'sha256', d.slice(7)), bytes);
    return d;
  };
  const diffIds = [];
  const descs = [];
  for (const l of layers) {
    const raw = await tarOf(l.members);
    diffIds.push(sha256(raw));
    const blob = l.compression === 'none' ? raw : gzipSync(raw);
    descs.push({
      mediaType:
        l.compression === 'none'
          ? 'application/vnd.oci.image.layer.v1.tar'
          : 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: await put(blob),
      size: blob.length,
    });
  }
  const cfg = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {
        User: config.User ?? '',
        Env: config.Env ?? ['PATH=/bin'],
        Labels: config.Labels ?? {},
        ...(config.Cmd ? { Cmd: config.Cmd } : {}),
      },
      rootfs: { type: 'layers', diff_ids: config.diffIds ?? diffIds },
      history: config.history ?? layers.map((_, i) => ({ created_by: `layer ${i}` })),
    }),
  );
  const configDigest = await put(cfg);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: cfg.length,
      },
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
  return {
    dir,
    ref: `oci:${dir}:latest`,
    manifestDigest,
    configDigest,
    diffIds,
    layerDigests: descs.map((d) => d.digest),
  };
}
