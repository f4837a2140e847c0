import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { GateError } from '../../errors.js';

/**
 * Opens a file that must be a regular file, without following a final symlink and without
 * blocking on a FIFO, and checks what it is on the open handle (no race with a rename): a
 * layout whose index.json is a symlink to /dev/zero, a FIFO or a device gets a clear error
 * instead of an endless read or a hang.
 */
export async function openRegular(
  path: string,
  what: string,
  followSymlink = false,
): Promise<{ fh: FileHandle; stat: Stats }> {
  // Both flags are POSIX; where they do not exist (Windows) the fstat check below still holds.
  const flags =
    constants.O_RDONLY |
    (constants.O_NONBLOCK ?? 0) |
    (followSymlink ? 0 : (constants.O_NOFOLLOW ?? 0));
  let fh: FileHandle;
  try {
    fh = await open(path, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GateError('not-found', `${what} does not exist`);
    if (code === 'ELOOP') {
      throw new GateError(
        'format',
        `${what} is a symbolic link; only regular files are read from a layout`,
      );
    }
    throw new GateError('not-found', `cannot open ${what}: ${code ?? String(err)}`);
  }
  const stat = await fh.stat();
  if (!stat.isFile()) {
    await fh.close();
    throw new GateError(
      'format',
      `${what} is ${kindOf(stat)}, not a regular file; only regular files are read`,
    );
  }
  return { fh, stat };
}

/** Reads a whole regular file of at most `maxBytes`, checked on the handle before reading. */
export async function readRegular(path: string, what: string, maxBytes: number): Promise<Buffer> {
  const { fh, stat } = await openRegular(path, what);
  try {
    if (stat.size > maxBytes) {
      throw new GateError(
        'limit',
        `${what} is ${stat.size} bytes, more than the ${maxBytes} allowed`,
      );
    }
    // One byte more than the size: a file that grows while being read is refused, not cut.
    const buf = Buffer.alloc(stat.size + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got > stat.size) throw new GateError('format', `${what} changed while it was read`);
    }
    return buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  if (s.isSymbolicLink()) return 'a symbolic link';
  return 'of an unknown kind';
}
