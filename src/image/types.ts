import type { Readable } from 'node:stream';

/** `sha256:<64 lower-case hex>`; the only algorithm image-gate accepts. */
export type Digest = string;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export type Compression = 'gzip' | 'zstd' | 'none';

/** One layer as the manifest and the config describe it together. */
export interface LayerDescriptor {
  /** Position from the bottom (0 is the first layer of the base image). */
  index: number;
  mediaType: string;
  /** Digest of the blob as stored (compressed). */
  digest: Digest;
  /** Size of the blob as stored, from the manifest. */
  size: number;
  /** Digest of the uncompressed tar, from the config's rootfs.diff_ids. */
  diffId: Digest;
  compression: Compression;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The OCI image configuration (the subset image-gate reads; unknown keys are kept). */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  config?: {
    User?: string;
    Env?: string[] | null;
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    ExposedPorts?: Record<string, unknown> | null;
  };
  rootfs: { type: string; diff_ids: Digest[] };
  history?: HistoryEntry[];
  [key: string]: unknown;
}

/**
 * An image read from any source, with its manifest and config already fetched and verified
 * against their digests. Layers are opened one by one; the walker verifies each blob.
 *
 * Modelled on go-containerregistry's `v1.Image`: one interface, one constructor per source.
 */
export interface Image {
  /** The reference the user gave, normalised (e.g. `docker://docker.io/library/alpine:latest`). */
  reference: string;
  /** Digest of the manifest bytes exactly as the registry or layout stores them. */
  manifestDigest: Digest;
  manifestMediaType: string;
  /** The manifest bytes, verified against manifestDigest. Signing needs them verbatim. */
  manifestBytes: Buffer;
  configDigest: Digest;
  /** The config bytes, verified against configDigest. */
  configBytes: Buffer;
  config: ImageConfig;
  platform: Platform;
  layers: LayerDescriptor[];
  /** The compressed blob of one layer, as stored. The caller verifies its digest. */
  openLayer(layer: LayerDescriptor): Promise<Readable>;
  /** Releases temporary files, sockets or archive handles. */
  close(): Promise<void>;
}
