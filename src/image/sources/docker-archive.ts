import { GateError } from '../../errors.js';
import { sha256 } from '../digest.js';
import {
  MediaType,
  layerDescriptors,
  parseConfig,
  platformOf,
  type ImageManifest,
} from '../manifest.js';
import { parseRegistryName, formatRegistryName } from '../reference.js';
import type { Compression, Image } from '../types.js';
import { archiveStore, type FileStore, MAX_METADATA_BYTES } from './store.js';

interface ArchiveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/**
 * `docker-archive:FILE[:REF]`: the output of `docker save`, read in place, in each shape Docker
 * has written (test/archives/build-docker-save.mjs builds each one and names its version):
 *  - classic (graph drivers, Docker <= 24): `<id>/layer.tar`, uncompressed, a repeated layer
 *    stored as a symlink to its first copy, config `<image id>.json`;
 *  - graph drivers, Docker >= 25: the same tars as `blobs/sha256/<diffID>` beside an OCI layout;
 *  - containerd image store (Docker >= 24 with the containerd snapshotter): the blobs as pulled,
 *    so layers are usually gzip- or zstd-compressed, `blobs/sha256/<blob digest>`.
 * manifest.json is read in every shape (Docker 25.0's own OCI manifest omits the layers).
 *
 * The archive has no registry manifest, so one is made the way skopeo makes it (a Docker
 * schema 2 manifest, compact JSON, layers as stored): for uncompressed layers its digest then
 * equals what `skopeo inspect docker-archive:…` reports.
 */
export async function openDockerArchive(
  file: string,
  ref: string | undefined,
  reference: string,
  cleanup?: () => Promise<void>,
): Promise<Image> {
  const store = await archiveStore(file);
  const entry = pickEntry(await readEntries(store), ref, file);
  const configBytes = await store.read(entry.Config, MAX_METADATA_BYTES);
  const configDigest = sha256(configBytes);
  const named = digestInName(entry.Config);
  if (named && named !== configDigest) {
    throw new GateError(
      'digest',
      `${file}: ${entry.Config} hashes to ${configDigest}, not the digest its name says`,
    );
  }
  const config = parseConfig(configBytes, `${file} ${entry.Config}`);
  if (entry.Layers.length !== config.rootfs.diff_ids.length) {
    throw new GateError(
      'format',
      `${file}: manifest.json lists ${entry.Layers.length} layers but the config has ${config.rootfs.diff_ids.length} diff_ids`,
    );
  }
  const blobs = await Promise.all(
    entry.Layers.map((path, i) => describeLayer(store, path, config.rootfs.diff_ids[i]!, i)),
  );
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.dockerManifest,
    config: { mediaType: MediaType.dockerConfig, size: configBytes.length, digest: configDigest },
    // The media type is the one skopeo writes for every docker-archive layer, whatever its
    // compression, so the manifest digest equals skopeo's; the real compression is sniffed.
    layers: blobs.map((b) => ({
      mediaType: MediaType.dockerLayerGzip,
      size: b.size,
      digest: b.digest,
    })),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const layers = layerDescriptors(manifest, config, file).map((l) => ({
    ...l,
    compression: blobs[l.index]!.compression,
  }));
  return {
    reference,
    manifestDigest: sha256(manifestBytes),
    manifestMediaType: MediaType.dockerManifest,
    manifestBytes,
    configDigest,
    configBytes,
    config,
    platform: platformOf(config),
    layers,
    openLayer: (layer) => store.stream(entry.Layers[layer.index]!),
    close: async () => {
      await cleanup?.();
    },
  };
}

interface ArchiveBlob {
  digest: string;
  size: number;
  compression: Compression;
}

/**
 * An uncompressed layer is its own diffID. A compressed one (containerd image store) is named
 * by its blob digest, `blobs/sha256/<hex>`; the walk verifies both digests while reading.
 */
async function describeLayer(
  store: FileStore,
  path: string,
  diffId: string,
  index: number,
): Promise<ArchiveBlob> {
  const size = await store.size(path);
  const compression = sniffCompression(await store.head(path, 4));
  const named = digestInName(path);
  if (compression === 'none') {
    if (named && named !== diffId) {
      throw new GateError(
        'digest',
        `${store.where}: layer ${index} (${path}) is uncompressed but named ${named}, not its diffID ${diffId}`,
      );
    }
    return { digest: diffId, size, compression };
  }
  if (!named) {
    throw new GateError(
      'format',
      `${store.where}: layer ${index} (${path}) is ${compression}-compressed but its name carries no digest to verify it by`,
    );
  }
  return { digest: named, size, compression };
}

/** `blobs/sha256/<hex>` (OCI layout inside the archive) or `<hex>.json` (classic config). */
function digestInName(path: string): string | undefined {
  const m = /^(?:\.\/)?(?:blobs\/sha256\/([a-f0-9]{64})|([a-f0-9]{64})\.json)$/.exec(path);
  const hex = m?.[1] ?? m?.[2];
  return hex ? `sha256:${hex}` : undefined;
}

async function readEntries(store: FileStore): Promise<ArchiveEntry[]> {
  if (!(await store.exists('manifest.json'))) {
    throw new GateError('format', `${store.where}: not a docker-archive (no manifest.json)`);
  }
  let entries: unknown;
  try {
    entries = JSON.parse((await store.read('manifest.json', MAX_METADATA_BYTES)).toString('utf8'));
  } catch {
    throw new GateError('format', `${store.where}: manifest.json is not valid JSON`);
  }
  if (!Array.isArray(entries) || entries.length === 0 || !entries.every(isEntry)) {
    throw new GateError('format', `${store.where}: manifest.json does not describe any image`);
  }
  return entries;
}

function isEntry(e: unknown): e is ArchiveEntry {
  const x = e as ArchiveEntry;
  return (
    typeof x?.Config === 'string' &&
    Array.isArray(x.Layers) &&
    x.Layers.every((l) => typeof l === 'string')
  );
}

function pickEntry(entries: ArchiveEntry[], ref: string | undefined, file: string): ArchiveEntry {
  if (ref?.startsWith('@')) {
    const e = entries[Number(ref.slice(1))];
    if (!e) throw new GateError('not-found', `${file}: no image at index ${ref}`);
    return e;
  }
  if (ref) {
    const want = canonical(ref);
    const e = entries.find((x) => (x.RepoTags ?? []).some((t) => canonical(t) === want));
    if (!e)
      throw new GateError(
        'not-found',
        `${file}: no image tagged "${ref}" (available: ${tags(entries)})`,
      );
    return e;
  }
  if (entries.length !== 1) {
    throw new GateError(
      'usage',
      `${file}: the archive holds ${entries.length} images; name one (available: ${tags(entries)})`,
    );
  }
  return entries[0]!;
}

function canonical(tag: string): string {
  try {
    return formatRegistryName(parseRegistryName(tag));
  } catch {
    return tag;
  }
}

function tags(entries: ArchiveEntry[]): string {
  return entries.map((e, i) => (e.RepoTags ?? []).join(' ') || `@${i}`).join(', ');
}

/** Archives may hold compressed or plain layer tars; the magic bytes tell which. */
function sniffCompression(head: Buffer): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}
