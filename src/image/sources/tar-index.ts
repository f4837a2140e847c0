import { open, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { GateError } from '../../errors.js';

/**
 * Random access to the members of an image archive (`docker save`, OCI archive) without
 * extracting it. Written by hand because streaming tar parsers (tar-stream, node-tar) must read
 * every byte to reach the next header, and `docker save` puts manifest.json last: indexing by
 * seeking over member data reads only the 512-byte headers. Layer tars inside are still parsed
 * by tar-stream.
 */
export interface ArchiveMember {
  offset: number;
  size: number;
}

export class TarArchive {
  private constructor(
    readonly path: string,
    private readonly members: Map<string, ArchiveMember>,
  ) {}

  static async open(path: string): Promise<TarArchive> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      throw new GateError(
        'not-found',
        `cannot open archive ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      );
    }
    try {
      const { size } = await fh.stat();
      return new TarArchive(path, await indexMembers(fh, size, path));
    } finally {
      await fh.close();
    }
  }

  has(name: string): boolean {
    return this.members.has(normalise(name));
  }

  member(name: string): ArchiveMember | undefined {
    return this.members.get(normalise(name));
  }

  async readBytes(name: string, maxBytes: number): Promise<Buffer> {
    const m = this.require(name);
    if (m.size > maxBytes) {
      throw new GateError(
        'limit',
        `${this.path}: ${name} is ${m.size} bytes, more than the ${maxBytes} allowed`,
      );
    }
    const buf = await this.readRange(m, m.size);
    if (buf.length !== m.size) throw truncated(this.path, name);
    return buf;
  }

  async readHead(name: string, n: number): Promise<Buffer> {
    const m = this.require(name);
    return this.readRange(m, Math.min(n, m.size));
  }

  /** The first `length` bytes of a member (fewer if the file ends early). */
  private async readRange(m: ArchiveMember, length: number): Promise<Buffer> {
    const fh = await open(this.path, 'r');
    try {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, m.offset);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  stream(name: string): Readable {
    const m = this.require(name);
    if (m.size === 0) return createReadStream(this.path, { start: 1, end: 0 });
    return createReadStream(this.path, {
      start: m.offset,
      end: m.offset + m.size - 1,
      highWaterMark: 1 << 20,
    });
  }

  private require(name: string): ArchiveMember {
    const m = this.member(name);
    if (!m) throw new GateError('format', `${this.path}: the archive has no member ${name}`);
    return m;
  }
}

const BLOCK = 512;

async function indexMembers(
  fh: FileHandle,
  fileSize: number,
  path: string,
): Promise<Map<string, ArchiveMember>> {
  const members = new Map<string, ArchiveMember>();
  const header = Buffer.alloc(BLOCK);
  let pos = 0;
  let longName: string | undefined;
  while (pos + BLOCK <= fileSize) {
    const { bytesRead } = await fh.read(header, 0, BLOCK, pos);
    if (bytesRead < BLOCK) break;
    if (header.every((b) => b === 0)) return members; // end-of-archive marker
    if (!checksumOk(header))
      throw new GateError('format', `${path}: corrupt tar header at byte ${pos}`);
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156]!);
    const dataStart = pos + BLOCK;
    if (dataStart + size > fileSize) throw truncated(path, field(header, 0, 100));
    if (type === 'L' || type === 'x') {
      const meta = Buffer.alloc(size);
      await fh.read(meta, 0, size, dataStart);
      longName =
        type === 'L' ? meta.toString('utf8').replace(/\0.*$/s, '') : (paxPath(meta) ?? longName);
    } else {
      const prefix = field(header, 345, 155);
      const name =
        longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
      longName = undefined;
      if (type === '0' || type === '\0') members.set(normalise(name), { offset: dataStart, size });
    }
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  if (members.size === 0) throw new GateError('format', `${path}: not a tar archive, or empty`);
  throw truncated(path, 'the end-of-archive marker');
}

function paxPath(meta: Buffer): string | undefined {
  for (const line of meta.toString('utf8').split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return sum === octal(h, 148, 8);
}

function octal(buf: Buffer, start: number, len: number): number {
  // GNU base-256 encoding for sizes over 8 GiB.
  if (buf[start]! & 0x80) {
    let n = 0;
    for (let i = start + 1; i < start + len; i++) n = n * 256 + buf[i]!;
    return n;
  }
  const text = field(buf, start, len).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function field(buf: Buffer, start: number, len: number): string {
  const slice = buf.subarray(start, start + len);
  const end = slice.indexOf(0);
  return slice.subarray(0, end < 0 ? len : end).toString('utf8');
}

function normalise(name: string): string {
  return name.replace(/^\.\//, '').replace(/^\/+/, '');
}

function truncated(path: string, what: string): GateError {
  return new GateError('format', `${path}: the archive is truncated (${what} is incomplete)`);
}
