import { GateError } from '../../errors.js';
import { digestHex, verifyDigest } from '../digest.js';
import {
  type Descriptor,
  layerDescriptors,
  parseConfig,
  parseManifest,
  platformOf,
} from '../manifest.js';
import type { Image, Platform } from '../types.js';
import { checkPlatformAgrees, selectPlatform } from '../platform.js';
import { archiveStore, directoryStore, type FileStore, MAX_METADATA_BYTES } from './store.js';

const REF_NAME = 'org.opencontainers.image.ref.name';

/** `oci:DIR[:REF]`: an OCI image layout directory, as `skopeo copy … oci:DIR:REF` writes. */
export async function openOciLayout(
  dir: string,
  ref: string | undefined,
  platform: Platform,
  reference: string,
): Promise<Image> {
  return readLayout(directoryStore(dir), ref, platform, reference);
}

/** `oci-archive:FILE[:REF]`: the same layout inside a tar, read in place. */
export async function openOciArchive(
  file: string,
  ref: string | undefined,
  platform: Platform,
  reference: string,
): Promise<Image> {
  return readLayout(await archiveStore(file), ref, platform, reference);
}

async function readLayout(
  store: FileStore,
  ref: string | undefined,
  platform: Platform,
  reference: string,
): Promise<Image> {
  if (!(await store.exists('oci-layout'))) {
    throw new GateError('format', `${store.where}: not an OCI image layout (no oci-layout file)`);
  }
  const index = parseManifest(
    await store.read('index.json', MAX_METADATA_BYTES),
    undefined,
    `${store.where} index.json`,
  );
  if (index.kind !== 'index')
    throw new GateError('format', `${store.where}: index.json is not an image index`);
  let desc = pickByRef(index.index.manifests, ref, store.where);
  // Every index entry on the way to the image: each one's platform must be the config's.
  const listedAs = [desc];
  let parsed = parseManifest(await readBlob(store, desc), desc.mediaType, where(store, desc));
  if (parsed.kind === 'index') {
    desc = selectPlatform(parsed.index, platform, where(store, desc));
    listedAs.push(desc);
    parsed = parseManifest(await readBlob(store, desc), desc.mediaType, where(store, desc));
  }
  if (parsed.kind !== 'manifest')
    throw new GateError('format', `${where(store, desc)}: nested image indexes are not supported`);
  const manifestBytes = await readBlob(store, desc);
  const manifest = parsed.manifest;
  const configBytes = await readBlob(store, manifest.config);
  const config = parseConfig(configBytes, `${store.where} config ${manifest.config.digest}`);
  for (const listed of listedAs) checkPlatformAgrees(listed, config, store.where);
  return {
    reference,
    manifestDigest: desc.digest,
    manifestMediaType: parsed.mediaType,
    manifestBytes,
    configDigest: manifest.config.digest,
    configBytes,
    config,
    platform: platformOf(config),
    layers: layerDescriptors(manifest, config, store.where),
    openLayer: async (layer) => store.stream(blobPath(layer.digest)),
    close: async () => {},
  };
}

function pickByRef(manifests: Descriptor[], ref: string | undefined, where: string): Descriptor {
  if (ref?.startsWith('@')) {
    const i = Number(ref.slice(1));
    const d = manifests[i];
    if (!Number.isInteger(i) || !d)
      throw new GateError('not-found', `${where}: no image at index ${ref}`);
    return d;
  }
  if (ref) {
    const d = manifests.find((m) => m.annotations?.[REF_NAME] === ref);
    if (!d)
      throw new GateError(
        'not-found',
        `${where}: no image named "${ref}" (available: ${names(manifests)})`,
      );
    return d;
  }
  if (manifests.length !== 1) {
    throw new GateError(
      'usage',
      `${where}: the layout holds ${manifests.length} images; name one (available: ${names(manifests)})`,
    );
  }
  return manifests[0]!;
}

function names(manifests: Descriptor[]): string {
  return manifests.map((m, i) => m.annotations?.[REF_NAME] ?? `@${i}`).join(', ') || 'none';
}

function blobPath(digest: string): string {
  return `blobs/sha256/${digestHex(digest)}`;
}

function where(store: FileStore, desc: Descriptor): string {
  return `${store.where} ${desc.digest}`;
}

async function readBlob(store: FileStore, desc: Descriptor): Promise<Buffer> {
  const bytes = await store.read(blobPath(desc.digest), MAX_METADATA_BYTES);
  verifyDigest(bytes, desc.digest, `${store.where} blob ${desc.digest}`);
  return bytes;
}
