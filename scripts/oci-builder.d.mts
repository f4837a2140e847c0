export type TarMember =
  | { path: string; content: string | Buffer; mode?: number; uid?: number }
  | { path: string; dir: true }
  | { path: string; symlink: string }
  | { path: string; hardlink: string };

export interface LayerSpec {
  members: TarMember[];
  compression?: 'gzip' | 'none';
}

export interface ImageConfigSpec {
  User?: string;
  Env?: string[];
  Cmd?: string[];
  Labels?: Record<string, string>;
  history?: { created_by: string; empty_layer?: boolean }[];
  /** Overrides the computed rootfs.diff_ids (to build a corrupt image). */
  diffIds?: string[];
}

export interface BuiltImage {
  dir: string;
  ref: string;
  manifestDigest: string;
  configDigest: string;
  diffIds: string[];
  layerDigests: string[];
}

export function sha256(bytes: Buffer | string): string;
export function tarOf(members: TarMember[]): Promise<Buffer>;
export function buildOciImage(
  layers: LayerSpec[],
  config?: ImageConfigSpec,
  dir?: string,
): Promise<BuiltImage>;
