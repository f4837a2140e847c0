import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { digestHex } from './digest.js';
import type { Image, LayerDescriptor } from './types.js';

/** An OCI image layout being written while the walk reads the layers. */
export interface LayoutSpool {
  dir: string;
  /** Where the walk copies one layer's blob, byte for byte as it was read and verified. */
  sink(layer: LayerDescriptor): Writable;
  /** Writes config, manifest and index once every blob is in; returns the layout's directory. */
  finish(): Promise<string>;
  remove(): Promise<void>;
}

/**
 * Spools the image for the vulnerability scanners during the single pass, so the image leaves
 * the registry once. The manifest is written verbatim, so the layout's digest is the image's.
 */
export async function createLayoutSpool(image: Image, parent = tmpdir()): Promise<LayoutSpool> {
  const dir = await mkdtemp(join(parent, 'image-gate-layout-'));
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const blob = (digest: string): string => join(blobs, digestHex(digest));
  const spooled = new Set<string>();
  return {
    dir,
    // An image may hold the same layer twice (the same COPY in two steps), and the walk reads
    // both, perhaps at once: the blob is written once, by the first, not truncated and rewritten
    // under it by the second.
    sink: (layer) => {
      if (spooled.has(layer.digest)) return discard();
      spooled.add(layer.digest);
      return createWriteStream(blob(layer.digest));
    },
    async finish() {
      await writeFile(blob(image.configDigest), image.configBytes);
      await writeFile(blob(image.manifestDigest), image.manifestBytes);
      await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
      const index = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: image.manifestMediaType,
            digest: image.manifestDigest,
            size: image.manifestBytes.length,
            annotations: { 'org.opencontainers.image.ref.name': 'latest' },
          },
        ],
      };
      await writeFile(join(dir, 'index.json'), JSON.stringify(index));
      return dir;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

function discard(): Writable {
  return new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });
}
