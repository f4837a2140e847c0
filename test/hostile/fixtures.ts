/**
 * Builds the hostile inputs of test/itg/hostile.test.ts: OCI layouts and archives that try to
 * make the gate use unbounded memory or hang. Each one is small on disk; what it would cost
 * unguarded is in its comment. The registry stand-ins live in registry-stand-in.ts.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import {
  frameHeader,
  rawBlock,
  rleBlock,
  rleBomb,
  singleSegmentHeader,
} from '../helpers/zstd-frames.js';

export const sha256 = (b: Buffer | string): string =>
  `sha256:${createHash('sha256').update(b).digest('hex')}`;

const ZERO_DIFF_ID = sha256('');
const MT = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  tar: 'application/vnd.oci.image.layer.v1.tar',
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
};

export interface LayerBlob {
  blob: Buffer;
  mediaType: string;
  diffId?: string;
}

export interface ImageDocs {
  config: Buffer;
  manifest: Buffer;
  blobs: Map<string, Buffer>;
}

/** Config, manifest and blobs of a one-platform image; `edit` may spoil the manifest. */
export function imageDocs(
  layers: LayerBlob[],
  opts: {
    platform?: { os: string; architecture: string };
    editManifest?: (m: Record<string, unknown>) => void;
  } = {},
): ImageDocs {
  const blobs = new Map<string, Buffer>();
  const config = Buffer.from(
    JSON.stringify({
      ...(opts.platform ?? { architecture: 'amd64', os: 'linux' }),
      config: { User: '1000' },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId ?? ZERO_DIFF_ID) },
    }),
  );
  blobs.set(sha256(config), config);
  for (const l of layers) blobs.set(sha256(l.blob), l.blob);
  const doc: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: MT.manifest,
    config: { mediaType: MT.config, digest: sha256(config), size: config.length },
    layers: layers.map((l) => ({
      mediaType: l.mediaType,
      digest: sha256(l.blob),
      size: l.blob.length,
    })),
  };
  opts.editManifest?.(doc);
  const manifest = Buffer.from(JSON.stringify(doc));
  blobs.set(sha256(manifest), manifest);
  return { config, manifest, blobs };
}

/** Writes an OCI layout with one image `latest`; `index` replaces the index descriptor. */
async function writeLayout(
  dir: string,
  docs: ImageDocs,
  descriptor: Record<string, unknown> = {},
): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const [d, b] of docs.blobs) await writeFile(join(dir, 'blobs', 'sha256', d.slice(7)), b);
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const index = {
    schemaVersion: 2,
    mediaType: MT.index,
    manifests: [
      {
        mediaType: MT.manifest,
        digest: sha256(docs.manifest),
        size: docs.manifest.length,
        annotations: { 'org.opencontainers.image.ref.name': 'latest' },
        ...descriptor,
      },
    ],
  };
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
}

const blobPath = (dir: string, b: Buffer): string =>
  join(dir, 'blobs', 'sha256', sha256(b).slice(7));

/** A gzip stream of `total` zero bytes, from one member repeated (gzip allows many members). */
function gzipZeros(total: number): Buffer {
  const piece = 64 << 20;
  const member = gzipSync(Buffer.alloc(piece), { level: 9 });
  return Buffer.concat(Array.from({ length: Math.ceil(total / piece) }, () => member));
}

export interface HostileCase {
  name: string;
  /** What the CLI is given (`oci:DIR:latest`, …); extra arguments after it. */
  ref: string;
  args?: string[];
  /** The error the gate must end with (exit code 2). */
  error: RegExp;
}

/** Builds every file-based hostile input under `root`. */
export async function buildHostileFiles(root: string): Promise<HostileCase[]> {
  const cases: HostileCase[] = [];
  const layout = async (
    name: string,
    layers: LayerBlob[],
    error: RegExp,
    extra: {
      descriptor?: Record<string, unknown>;
      platform?: { os: string; architecture: string };
      editManifest?: (m: Record<string, unknown>) => void;
      args?: string[];
    } = {},
  ): Promise<{ dir: string; docs: ImageDocs }> => {
    const dir = join(root, name);
    const docs = imageDocs(layers, extra);
    await writeLayout(dir, docs, extra.descriptor);
    cases.push({
      name,
      ref: `oci:${dir}:latest`,
      error,
      ...(extra.args ? { args: extra.args } : {}),
    });
    return { dir, docs };
  };

  // 40 KB that asks fzstd for a 3.75 GiB window (what drove Node 20 to 1.3 GB and beyond).
  await layout(
    'zstd-huge-window',
    [
      {
        blob: Buffer.concat([frameHeader(31, 7), rleBomb(10_000).subarray(6)]),
        mediaType: MT.zstd,
      },
    ],
    /needs a \d+-byte window, more than the 134217728 bytes allowed/,
  );
  // A single-segment frame: the window is the declared content size, 1.3 GB.
  await layout(
    'zstd-declared-size',
    [
      {
        blob: Buffer.concat([singleSegmentHeader(1_300_000_000n), rleBlock(0, 128 << 10, true)]),
        mediaType: MT.zstd,
      },
    ],
    /needs a 1300000000-byte window/,
  );
  // 40 KB of RLE blocks in a 1 MiB window behind a tar header for an 8 GB file: 1.2 GiB of
  // output, decoded in one synchronous call by fzstd when unguarded.
  await layout(
    'zstd-rle-bomb',
    [
      {
        blob: Buffer.concat([
          frameHeader(20),
          rawBlock(tarHeader('bomb', 0o77777777777)),
          rleBomb(10_000).subarray(6),
        ]),
        mediaType: MT.zstd,
      },
    ],
    /decompresses to more than \d+ bytes; refusing a possible decompression bomb/,
  );
  // Two layers at the largest window allowed (128 MiB each, decoded two at a time), each an RLE
  // bomb behind a tar header: the worst a zstd layer may still cost.
  const maxWindowBomb = (fill: number): LayerBlob => ({
    blob: Buffer.concat([
      frameHeader(27),
      rawBlock(tarHeader(`bomb${fill}`, 0o77777777777)),
      Buffer.concat(Array.from({ length: 10_000 }, () => rleBlock(fill, 128 << 10))),
      rawBlock(Buffer.alloc(0), true),
    ]),
    mediaType: MT.zstd,
  });
  await layout(
    'zstd-max-window-layers',
    [maxWindowBomb(1), maxWindowBomb(2)],
    /decompresses to more than \d+ bytes; refusing a possible decompression bomb/,
  );
  // Thousands of tiny frames, each asking for a big window: fzstd allocates a new one per frame.
  // At 128 MiB each they are refused for asking far more than they decode; at 8 MiB each (what
  // one RLE block earns) they are decoded until the expansion bound.
  const manyFrames = (windowLog: number): LayerBlob => ({
    blob: Buffer.concat([
      frameHeader(20),
      rawBlock(tarHeader('frames', 0o77777777777), true),
      ...Array.from({ length: 4000 }, () =>
        Buffer.concat([frameHeader(windowLog), rleBlock(0, 128 << 10, true)]),
      ),
    ]),
    mediaType: MT.zstd,
  });
  await layout(
    'zstd-many-max-window-frames',
    [manyFrames(27)],
    /zstd frames ask for \d+ bytes of windows for \d+ bytes of data; refusing a possible decompression bomb|decompresses to more than/,
  );
  await layout(
    'zstd-many-8m-window-frames',
    [manyFrames(23), manyFrames(23)],
    /decompresses to more than \d+ bytes; refusing a possible decompression bomb/,
  );
  // 1 GiB of zeros in 1 MB of gzip: inflated at full speed within the ratio bound, then
  // refused by its diffID; never more than a slice at a time in memory.
  await layout(
    'gzip-bomb',
    [{ blob: gzipZeros(1 << 30), mediaType: MT.gzip }],
    /diffID mismatch|decompresses to more than/,
  );
  // A layer descriptor without `size`: the blob meter must not lose its bound.
  await layout(
    'manifest-without-size',
    [{ blob: Buffer.alloc(1024), mediaType: MT.tar }],
    /not a valid image manifest: \/layers\/0 has no "size"/,
    { editManifest: (m) => delete (m.layers as Record<string, unknown>[])[0]!.size },
  );
  // A layer declared far beyond the per-layer limit.
  await layout(
    'layer-declared-huge',
    [{ blob: Buffer.alloc(1024), mediaType: MT.tar }],
    /declared as 1099511627776 bytes, more than the \d+ allowed per layer/,
    { editManifest: (m) => ((m.layers as Record<string, unknown>[])[0]!.size = 2 ** 40) },
  );
  // The index says arm64, the config says amd64.
  await layout(
    'platform-mismatch',
    [{ blob: Buffer.alloc(1024), mediaType: MT.tar }],
    /the index lists sha256:[a-f0-9]{64} as linux\/arm64 but its config says linux\/amd64/,
    {
      descriptor: { platform: { os: 'linux', architecture: 'arm64' } },
      args: ['--platform', 'linux/arm64'],
    },
  );

  // index.json a symlink to /dev/zero: an endless read if followed.
  {
    const { dir } = await layout(
      'index-dev-zero',
      [{ blob: Buffer.alloc(1024), mediaType: MT.tar }],
      /index\.json is a symbolic link; only regular files are read/,
    );
    await replaceWith(join(dir, 'index.json'), (p) => symlink('/dev/zero', p));
  }
  // The config blob a symlink to /dev/zero.
  {
    const { dir, docs } = await layout(
      'config-dev-zero',
      [{ blob: Buffer.alloc(1024), mediaType: MT.tar }],
      /blobs\/sha256\/[a-f0-9]{64} is a symbolic link; only regular files are read/,
    );
    await replaceWith(blobPath(dir, docs.config), (p) => symlink('/dev/zero', p));
  }
  // The config blob a FIFO that nobody writes: a read would wait forever.
  {
    const { dir, docs } = await layout(
      'config-fifo',
      [{ blob: Buffer.alloc(1024), mediaType: MT.tar }],
      /blobs\/sha256\/[a-f0-9]{64} is a FIFO, not a regular file/,
    );
    await replaceWith(blobPath(dir, docs.config), async (p) => void execFileSync('mkfifo', [p]));
  }
  // A layer blob that is a FIFO.
  {
    const layer = { blob: Buffer.alloc(1024), mediaType: MT.tar };
    const { dir } = await layout(
      'layer-fifo',
      [layer],
      /blobs\/sha256\/[a-f0-9]{64} is a FIFO, not a regular file/,
    );
    await replaceWith(blobPath(dir, layer.blob), async (p) => void execFileSync('mkfifo', [p]));
  }
  // Archives: the archive itself a FIFO, a device; a member that is a symlink out of the archive.
  {
    const fifo = join(root, 'archive.fifo');
    execFileSync('mkfifo', [fifo]);
    cases.push({
      name: 'archive-fifo',
      ref: `docker-archive:${fifo}`,
      error: /is a FIFO, not a regular file/,
    });
    cases.push({
      name: 'archive-dev-zero',
      ref: 'oci-archive:/dev/zero',
      error: /is a character device, not a regular file/,
    });
    const file = join(root, 'manifest-to-dev-zero.tar');
    await writeFile(file, await tarWith([{ name: 'manifest.json', linkname: '/dev/zero' }]));
    cases.push({
      name: 'archive-member-to-dev-zero',
      ref: `docker-archive:${file}`,
      error: /manifest\.json links outside the archive/,
    });
  }
  return cases;
}

/** A ustar header for a regular file of `size` bytes (at most 8 GiB - 1 in octal). */
function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0' + '00', 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

async function replaceWith(path: string, make: (p: string) => Promise<void>): Promise<void> {
  const { rm } = await import('node:fs/promises');
  await rm(path);
  await make(path);
}

async function tarWith(members: { name: string; linkname: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const m of members) pack.entry({ name: m.name, type: 'symlink', linkname: m.linkname });
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** The image a registry stand-in serves: one uncompressed layer declared as `size` bytes. */
export function endlessLayerImage(size: number): ImageDocs & { layerDigest: string } {
  const blob = Buffer.alloc(16);
  const docs = imageDocs([{ blob, mediaType: MT.tar }], {
    editManifest: (m) => ((m.layers as Record<string, unknown>[])[0]!.size = size),
  });
  return { ...docs, layerDigest: sha256(blob) };
}
