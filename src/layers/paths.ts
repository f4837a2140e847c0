import { posix } from 'node:path';

/**
 * The absolute image path of a tar member name. `..` cannot climb above `/`: the walk never
 * extracts, but the merged view must not let `../../etc/passwd` land anywhere but /etc/passwd.
 */
export function imagePath(name: string): string {
  const p = posix.normalize('/' + name.replace(/\/+$/, ''));
  return p === '/' || p === '.' ? '/' : p.replace(/\/+$/, '');
}

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
