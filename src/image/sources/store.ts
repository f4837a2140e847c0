import { lstat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { GateError } from '../../errors.js';
import { openRegular, readRegular } from './regular-file.js';
import { TarArchive } from './tar-index.js';

/** Files of an image layout, whether in a directory or inside a tar archive. */
export interface FileStore {
  readonly where: string;
  exists(name: string): Promise<boolean>;
  /** Size in bytes; GateError('format') when the member is missing. */
  size(name: string): Promise<number>;
  read(name: string, maxBytes: number): Promise<Buffer>;
  /** The first `n` bytes (fewer if the member is shorter). */
  head(name: string, n: number): Promise<Buffer>;
  /** Opened only if it is a regular file (never a FIFO, a device or a symlink out). */
  stream(name: string): Promise<Readable>;
}

export function directoryStore(dir: string): FileStore {
  const root = resolve(dir);
  const inside = (name: string): string => {
    const p = resolve(join(root, name));
    // Paths come from manifests (docker-archive's `Layers`): never read outside the layout.
    if (p !== root && !p.startsWith(root + sep)) {
      throw new GateError('format', `${dir}: refers to "${name}" outside the layout`);
    }
    return p;
  };
  const what = (name: string): string => `${dir}: ${name}`;
  return {
    where: dir,
    async exists(name) {
      return lstat(inside(name)).then(
        (s) => s.isFile(),
        () => false,
      );
    },
    async size(name) {
      const { fh, stat } = await openRegular(inside(name), what(name));
      await fh.close();
      return stat.size;
    },
    read: async (name, maxBytes) => readRegular(inside(name), what(name), maxBytes),
    async head(name, n) {
      const { fh } = await openRegular(inside(name), what(name));
      try {
        const buf = Buffer.alloc(n);
        const { bytesRead } = await fh.read(buf, 0, n, 0);
        return buf.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    },
    async stream(name) {
      const { fh } = await openRegular(inside(name), what(name));
      return fh.createReadStream({ highWaterMark: 1 << 20 });
    },
  };
}

export async function archiveStore(path: string): Promise<FileStore> {
  const tar = await TarArchive.open(path);
  return {
    where: path,
    exists: async (name) => tar.has(name),
    size: async (name) => {
      const m = tar.member(name);
      if (!m) throw new GateError('format', `${path}: ${name} is missing from the archive`);
      return m.size;
    },
    read: (name, maxBytes) => tar.readBytes(name, maxBytes),
    head: (name, n) => tar.readHead(name, n),
    stream: async (name) => tar.stream(name),
  };
}

/** Manifests and configs are small; a bigger one is hostile or broken. */
export const MAX_METADATA_BYTES = 8 << 20;
