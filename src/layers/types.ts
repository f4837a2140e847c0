import type { LayerDescriptor } from '../image/types.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

/** One tar entry of one layer, with its path normalised to an absolute image path. */
export interface FileEntry {
  layer: LayerDescriptor;
  /** Absolute, normalised path inside the image (`/etc/passwd`). Never contains `..`. */
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  /** Size of the content in bytes (0 for anything but regular files). */
  size: number;
  /** Target of a symlink (as written) or of a hard link (normalised absolute path). */
  linkTarget?: string;
  /** A whiteout (`.wh.name`) deletes `path` from the layers below. */
  whiteout?: boolean;
  /** An opaque whiteout (`.wh..wh..opq`) hides everything below this directory in lower layers. */
  opaque?: boolean;
  /**
   * Names of `trusted.overlay.*` extended attributes the entry carries (PAX `SCHILY.xattr.`):
   * Docker writes them onto the layer on disk, where overlayfs obeys them (opaque, redirect).
   */
  overlayAttrs?: string[];
}

/**
 * Analyzers subscribe to the single pass over every layer. The walker calls them in layer order
 * (bottom first) and, within a layer, in tar order. Content is streamed in chunks only for the
 * files an analyzer asks for; the walker never reads a layer twice.
 */
export interface Analyzer {
  readonly name: string;
  /** Called for every entry, including whiteouts. Return true to receive this file's content. */
  onEntry(entry: FileEntry): boolean;
  /** A chunk of a file's content, in order. The buffer is only valid during the call. */
  onContent?(entry: FileEntry, chunk: Buffer): void;
  /** The file's content is complete (only called when onEntry returned true). */
  onFileEnd?(entry: FileEntry): void;
  /** Every entry of a layer has been seen. */
  onLayerEnd?(layer: LayerDescriptor): void;
}

/** What the walk measured of each layer, for `inspect`. */
export interface LayerStats {
  index: number;
  digest: string;
  diffId: string;
  mediaType: string;
  compressedSize: number;
  uncompressedSize: number;
  fileCount: number;
}
