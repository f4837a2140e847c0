import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { GateError } from '../../errors.js';
import { openRegular } from './regular-file.js';

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

/** A member that is not a regular file: a link to resolve, or something never read. */
type OtherMember = { link: string | undefined } | { special: string };

/** `docker save` (Docker <= 24) stores a repeated layer as a symlink to its first copy. */
const MAX_LINK_HOPS = 8;

export class TarArchive {
  private constructor(
    readonly path: string,
    private readonly members: Map<string, ArchiveMember>,
    private readonly others: Map<string, OtherMember>,
    private readonly identity: { dev: number; ino: number },
  ) {}

  static async open(path: string): Promise<TarArchive> {
    // The archive itself may be reached through a symlink the user gave; it must still be a
    // regular file (not /dev/zero, not a FIFO).
    const { fh, stat } = await openRegular(path, `archive ${path}`, true);
    try {
      const others = new Map<string, OtherMember>();
      const members = await indexMembers(fh, stat.size, path, others);
      return new TarArchive(path, members, others, { dev: stat.dev, ino: stat.ino });
    } finally {
      await fh.close();
    }
  }

  has(name: string): boolean {
    return this.resolve(name) !== undefined;
  }

  member(name: string): ArchiveMember | undefined {
    return this.resolve(name);
  }

  /** The regular member `name` names, following symlinks and hard links inside the archive. */
  private resolve(name: string): ArchiveMember | undefined {
    let current = normalise(name);
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      const m = this.members.get(current);
      if (m) return m;
      const other = this.others.get(current);
      if (!other) return undefined;
      if ('special' in other) {
        throw new GateError(
          'format',
          `${this.path}: member ${name} is ${other.special}, not a regular file`,
        );
      }
      const next = other.link;
      if (next === undefined) {
        throw new GateError('format', `${this.path}: member ${name} links outside the archive`);
      }
      current = next;
    }
    throw new GateError('format', `${this.path}: member ${name} is a chain of too many links`);
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
    const fh = await this.reopen();
    try {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, m.offset);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  async stream(name: string): Promise<Readable> {
    const m = this.require(name);
    const fh = await this.reopen();
    if (m.size === 0) {
      await fh.close();
      return Readable.from([]);
    }
    return fh.createReadStream({
      start: m.offset,
      end: m.offset + m.size - 1,
      highWaterMark: 1 << 20,
    });
  }

  /** The archive again, refused if the path now names another file than the one indexed. */
  private async reopen(): Promise<FileHandle> {
    const { fh, stat } = await openRegular(this.path, `archive ${this.path}`, true);
    if (stat.dev !== this.identity.dev || stat.ino !== this.identity.ino) {
      await fh.close();
      throw new GateError('format', `${this.path}: the archive was replaced while it was read`);
    }
    return fh;
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
  others: Map<string, OtherMember>,
): Promise<Map<string, ArchiveMember>> {
  const members = new Map<string, ArchiveMember>();
  const header = Buffer.alloc(BLOCK);
  let pos = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
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
    if (type === 'L' || type === 'K' || type === 'x') {
      if (size > MAX_META) {
        throw new GateError('limit', `${path}: a ${size}-byte tar extended header at byte ${pos}`);
      }
      const meta = Buffer.alloc(size);
      await fh.read(meta, 0, size, dataStart);
      const text = meta.toString('utf8').replace(/\0.*$/s, '');
      if (type === 'L') longName = text;
      else if (type === 'K') longLink = text;
      else {
        longName = paxField(meta, 'path') ?? longName;
        longLink = paxField(meta, 'linkpath') ?? longLink;
      }
    } else if (type === 'g') {
      // A global PAX header holds defaults for every member; none that image-gate reads.
    } else {
      const prefix = field(header, 345, 155);
      const name =
        longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
      longName = undefined;
      const key = normalise(name);
      if (members.size + others.size >= MAX_MEMBERS) {
        throw new GateError('limit', `${path}: more than ${MAX_MEMBERS} members in the archive`);
      }
      if (type === '0' || type === '\0' || type === '7') {
        members.set(key, { offset: dataStart, size });
        others.delete(key);
      } else if (type === '1' || type === '2') {
        // Later members replace earlier ones of the same name, as extraction would.
        members.delete(key);
        others.set(key, { link: linkTarget(key, longLink ?? field(header, 157, 100), type) });
      } else if (type !== '5') {
        members.delete(key);
        others.set(key, { special: SPECIAL[type] ?? `of tar type "${type}"` });
      }
      longLink = undefined;
    }
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  if (members.size === 0) throw new GateError('format', `${path}: not a tar archive, or empty`);
  throw truncated(path, 'the end-of-archive marker');
}

function paxField(meta: Buffer, key: string): string | undefined {
  for (const line of meta.toString('utf8').split('\n')) {
    const m = /^\d+ ([^=]+)=(.*)$/.exec(line);
    if (m && m[1] === key) return m[2];
  }
  return undefined;
}

/**
 * The index is kept in memory: `docker save` of a thousand-layer image has a few thousand
 * members, and a hostile archive of millions of empty members must not cost gigabytes.
 */
const MAX_MEMBERS = 100_000;

/** Extended headers carry names and attributes; a bigger one is hostile. */
const MAX_META = 1 << 20;

const SPECIAL: Record<string, string> = {
  '3': 'a character device',
  '4': 'a block device',
  '6': 'a FIFO',
};

/**
 * Where a link member points, as an archive member name; undefined when it leaves the archive.
 * A symlink is relative to its own directory (`../<id>/layer.tar`); a hard link names a member.
 */
function linkTarget(member: string, target: string, type: string): string | undefined {
  if (target.startsWith('/')) return undefined;
  const base = type === '2' ? member.split('/').slice(0, -1) : [];
  const parts = [...base];
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
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
