import { GateError } from '../errors.js';
import { validateOci } from './oci-schema.js';
import type { Compression, Digest, ImageConfig, LayerDescriptor, Platform } from './types.js';

/** Media types image-gate reads. Docker schema 1 is refused on purpose (unsigned, no diff_ids). */
export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerTar: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** What a registry is asked for when reading an image by tag. */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.ociManifest,
  MediaType.dockerManifestList,
  MediaType.dockerManifest,
];

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  platform?: Platform & { 'os.version'?: string };
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

export type ParsedManifest =
  | { kind: 'manifest'; mediaType: string; manifest: ImageManifest }
  | { kind: 'index'; mediaType: string; index: ImageIndex };

/** Parses manifest or index bytes; `where` names the source in errors. */
export function parseManifest(
  bytes: Buffer,
  declaredType: string | undefined,
  where: string,
): ParsedManifest {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new GateError('format', `${where}: the manifest is not valid JSON`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new GateError('format', `${where}: the manifest is not a JSON object`);
  }
  const mediaType = (typeof doc.mediaType === 'string' && doc.mediaType) || declaredType || '';
  if (doc.schemaVersion === 1 || mediaType.startsWith(MediaType.dockerSchema1)) {
    throw new GateError(
      'format',
      `${where}: Docker schema 1 manifests are not supported (they carry no diff_ids); push the image again with a current Docker or skopeo`,
    );
  }
  if (Array.isArray(doc.manifests)) {
    validateOci('index', doc, where);
    return {
      kind: 'index',
      mediaType: mediaType || MediaType.ociIndex,
      index: doc as unknown as ImageIndex,
    };
  }
  if (doc.config && Array.isArray(doc.layers)) {
    validateOci('manifest', doc, where);
    return {
      kind: 'manifest',
      mediaType: mediaType || MediaType.ociManifest,
      manifest: doc as unknown as ImageManifest,
    };
  }
  throw new GateError(
    'format',
    `${where}: unsupported manifest (media type "${mediaType || 'none'}")`,
  );
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

export function parsePlatform(text: string): Platform {
  const [os, architecture, variant] = text.split('/');
  if (!os || !architecture) {
    throw new GateError(
      'usage',
      `invalid platform "${text}": expected OS/ARCH[/VARIANT], e.g. linux/amd64`,
    );
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function compressionOf(mediaType: string, where: string): Compression {
  if (
    mediaType.endsWith('+gzip') ||
    mediaType.endsWith('.tar.gzip') ||
    mediaType === MediaType.dockerLayerGzip
  ) {
    return 'gzip';
  }
  if (mediaType.endsWith('+zstd') || mediaType.endsWith('.tar.zstd')) return 'zstd';
  if (mediaType.endsWith('.tar') || mediaType === MediaType.dockerLayerTar) return 'none';
  throw new GateError('format', `${where}: unsupported layer media type "${mediaType}"`);
}

/** Parses and checks the config: the layer walk depends on rootfs.diff_ids. */
export function parseConfig(bytes: Buffer, where: string): ImageConfig {
  let config: ImageConfig;
  try {
    config = JSON.parse(bytes.toString('utf8')) as ImageConfig;
  } catch {
    throw new GateError('format', `${where}: the image config is not valid JSON`);
  }
  validateOci('config', config, where);
  const ids = config.rootfs.diff_ids;
  if (!ids.every((d) => /^sha256:[a-f0-9]{64}$/.test(d))) {
    throw new GateError('format', `${where}: the image config has no valid rootfs.diff_ids`);
  }
  return config;
}

/** Joins the manifest's layer blobs with the config's diff_ids, which must pair one to one. */
export function layerDescriptors(
  manifest: ImageManifest,
  config: ImageConfig,
  where: string,
): LayerDescriptor[] {
  const ids = config.rootfs.diff_ids;
  const layers = manifest.layers;
  if (layers.length !== ids.length) {
    throw new GateError(
      'format',
      `${where}: the manifest lists ${layers.length} layers but the config has ${ids.length} diff_ids`,
    );
  }
  return layers.map((l, index) => {
    if (!/^sha256:[a-f0-9]{64}$/.test(l.digest)) {
      throw new GateError(
        'format',
        `${where}: layer ${index} has an unsupported digest "${l.digest}"`,
      );
    }
    return {
      index,
      mediaType: l.mediaType,
      digest: l.digest,
      size: l.size,
      diffId: ids[index]!,
      compression: compressionOf(l.mediaType, `${where} layer ${index}`),
    };
  });
}

export function platformOf(config: ImageConfig): Platform {
  const p: Platform = {
    os: config.os ?? 'unknown',
    architecture: config.architecture ?? 'unknown',
  };
  if (config.variant) p.variant = config.variant;
  return p;
}
