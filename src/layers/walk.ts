import type { Readable, Transform, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { GateError } from '../errors.js';
import type { Image, LayerDescriptor } from '../image/types.js';
import { decompressor } from './decompress.js';
import { DigestMeter } from './meter.js';
import { imagePath, OPAQUE_MARKER, WHITEOUT_PREFIX } from './paths.js';
import type { Analyzer, EntryType, FileEntry, LayerStats } from './types.js';

export interface WalkOptions {
  /** Layers read at once. Inflate runs on libuv's pool, hashing on the main thread. */
  concurrency?: number;
  /** Largest uncompressed size a layer may have, whatever its compressed size. */
  maxLayerBytes?: number;
  /** Largest expansion ratio a compressed layer may have (gzip cannot exceed ~1032:1). */
  maxRatio?: number;
  maxEntriesPerLayer?: number;
  /** A place to copy each layer's blob to as it is read (the image spooled for scanners). */
  blobSink?: (layer: LayerDescriptor) => Writable;
  /** Told how many compressed bytes there are and how many were read, for a progress meter. */
  progress?: Progress;
}

export interface Progress {
  start(totalBytes: number): void;
  update(doneBytes: number): void;
  end(): void;
}

const DEFAULTS = {
  concurrency: 2,
  maxLayerBytes: 16 * 2 ** 30,
  maxRatio: 1100,
  maxEntriesPerLayer: 2_000_000,
};

/**
 * Reads every layer exactly once: the blob is hashed against its manifest digest while it is
 * inflated, the tar stream is hashed against its diffID while it is walked, and each entry is
 * offered to every analyzer. Nothing is extracted; memory is bounded by stream buffers.
 * A digest mismatch rejects with an error naming the layer, never a partial result.
 */
export async function walkImage(
  image: Image,
  analyzers: Analyzer[],
  options: WalkOptions = {},
): Promise<LayerStats[]> {
  const opts = { ...DEFAULTS, ...options };
  const stats: LayerStats[] = new Array(image.layers.length);
  // Biggest first, so the last layer to finish is a small one.
  const queue = [...image.layers].sort((a, b) => b.size - a.size);
  const meter = opts.progress;
  let done = 0;
  meter?.start(image.layers.reduce((sum, l) => sum + l.size, 0));
  const onBytes = meter
    ? (n: number): void => {
        done += n;
        meter.update(done);
      }
    : undefined;
  const worker = async (): Promise<void> => {
    for (let layer = queue.shift(); layer; layer = queue.shift()) {
      stats[layer.index] = await walkLayer(image, layer, analyzers, opts, onBytes);
    }
  };
  try {
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(opts.concurrency, queue.length)) }, worker),
    );
  } finally {
    meter?.end();
  }
  return stats;
}

async function walkLayer(
  image: Image,
  layer: LayerDescriptor,
  analyzers: Analyzer[],
  opts: typeof DEFAULTS & Pick<WalkOptions, 'blobSink'>,
  onBytes?: (n: number) => void,
): Promise<LayerStats> {
  const name = `layer ${layer.index} (${layer.digest})`;
  checkDeclaredSize(layer, name, opts.maxLayerBytes);
  const sink = opts.blobSink?.(layer);
  const limit = Math.min(opts.maxLayerBytes, Math.max(64 << 20, layer.size * opts.maxRatio));
  const compressed = new DigestMeter(
    layer.size,
    (n) =>
      new GateError(
        'digest',
        `${name}: the blob is larger than the ${layer.size} bytes its manifest declares (${n} read)`,
      ),
    onBytes,
    sink,
  );
  const inflate = decompressor(layer.compression);
  const uncompressed = inflate
    ? new DigestMeter(
        limit,
        () =>
          new GateError(
            'limit',
            `${name}: decompresses to more than ${limit} bytes; refusing a possible decompression bomb`,
          ),
        undefined,
        undefined,
        true,
      )
    : undefined;
  const extract = tar.extract();
  const blob = await image.openLayer(layer);
  const stages: (Readable | Transform)[] = [
    blob,
    compressed,
    ...(inflate && uncompressed ? [...inflate, uncompressed] : []),
  ];
  const feeding = pipeline([...stages, extract] as unknown as [
    Readable,
    NodeJS.WritableStream,
  ]).catch((err: unknown) => {
    throw layerError(err, name);
  });
  let fileCount = 0;
  try {
    for await (const entry of extract) {
      if (++fileCount > opts.maxEntriesPerLayer) {
        throw new GateError('limit', `${name}: more than ${opts.maxEntriesPerLayer} entries`);
      }
      await offer(entry, layer, analyzers);
    }
  } catch (err) {
    blob.destroy();
    sink?.destroy();
    await feeding.catch(() => undefined);
    throw layerError(err, name);
  }
  await feeding;
  if (sink) {
    sink.end();
    await finished(sink);
  }
  const blobDigest = compressed.digest();
  if (compressed.bytes !== layer.size || blobDigest !== layer.digest) {
    throw new GateError(
      'digest',
      `${name}: blob digest mismatch (manifest says ${layer.digest} and ${layer.size} bytes, read ${blobDigest} and ${compressed.bytes} bytes)`,
    );
  }
  const diffId = uncompressed ? uncompressed.digest() : blobDigest;
  if (diffId !== layer.diffId) {
    throw new GateError(
      'digest',
      `${name}: diffID mismatch (config says ${layer.diffId}, the uncompressed layer is ${diffId})`,
    );
  }
  for (const a of analyzers) a.onLayerEnd?.(layer);
  return {
    index: layer.index,
    digest: layer.digest,
    diffId: layer.diffId,
    mediaType: layer.mediaType,
    compressedSize: compressed.bytes,
    uncompressedSize: uncompressed ? uncompressed.bytes : compressed.bytes,
    fileCount,
  };
}

/**
 * The blob meter stops at the declared size, so that size must be a real bound: an uncompressed
 * layer is its own tar and obeys the per-layer limit like an inflated one.
 */
function checkDeclaredSize(layer: LayerDescriptor, name: string, maxLayerBytes: number): void {
  if (!Number.isSafeInteger(layer.size) || layer.size < 0) {
    throw new GateError('format', `${name}: the manifest declares no valid size for the blob`);
  }
  if (layer.size > maxLayerBytes) {
    throw new GateError(
      'limit',
      `${name}: the blob is declared as ${layer.size} bytes, more than the ${maxLayerBytes} allowed per layer`,
    );
  }
}

type TarEntry = tar.ExtractEvents['entry'][1];

async function offer(
  entry: TarEntry,
  layer: LayerDescriptor,
  analyzers: Analyzer[],
): Promise<void> {
  const file = toFileEntry(entry.header, layer);
  const wanting = analyzers.filter((a) => a.onEntry(file));
  if (wanting.length === 0 || file.type !== 'file' || file.size === 0) {
    entry.resume();
    for (const a of wanting) a.onFileEnd?.(file);
    return;
  }
  for await (const chunk of entry as AsyncIterable<Buffer>) {
    for (const a of wanting) a.onContent?.(file, chunk);
  }
  for (const a of wanting) a.onFileEnd?.(file);
}

function toFileEntry(h: tar.Header, layer: LayerDescriptor): FileEntry {
  const path = imagePath(h.name);
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  const common = { layer, mode: h.mode ?? 0, uid: h.uid ?? 0, gid: h.gid ?? 0 };
  if (base === OPAQUE_MARKER) return { ...common, path: dir, type: 'dir', size: 0, opaque: true };
  if (base.startsWith(WHITEOUT_PREFIX)) {
    const target = (dir === '/' ? '' : dir) + '/' + base.slice(WHITEOUT_PREFIX.length);
    return { ...common, path: target, type: 'other', size: 0, whiteout: true };
  }
  // A 0/0 character device is what overlayfs itself takes for a whiteout.
  if (h.type === 'character-device' && !h.devmajor && !h.devminor) {
    return { ...common, path, type: 'other', size: 0, whiteout: true };
  }
  const type = entryType(h.type);
  const entry: FileEntry = { ...common, path, type, size: type === 'file' ? (h.size ?? 0) : 0 };
  const overlayAttrs = Object.keys(h.pax ?? {}).filter((k) =>
    k.startsWith('SCHILY.xattr.trusted.overlay.'),
  );
  if (overlayAttrs.length > 0) entry.overlayAttrs = overlayAttrs.map((k) => k.slice(13));
  if (type === 'symlink' && h.linkname) entry.linkTarget = h.linkname;
  if (type === 'hardlink' && h.linkname) entry.linkTarget = imagePath(h.linkname);
  return entry;
}

function entryType(t: tar.Header['type'] | undefined | null): EntryType {
  switch (t) {
    case 'file':
    case 'contiguous-file':
    case undefined:
    case null:
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    default:
      return 'other';
  }
}

/** Keeps GateErrors; anything else (zlib, tar, I/O) becomes a format error naming the layer. */
function layerError(err: unknown, name: string): GateError {
  if (err instanceof GateError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new GateError('format', `${name}: cannot read the layer: ${message}`, { cause: err });
}
