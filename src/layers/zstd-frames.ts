import { Transform, type TransformCallback } from 'node:stream';

/**
 * Reads the framing of a zstd stream (RFC 8878: frame headers, block headers, skippable frames)
 * without decoding it, passes the bytes through unchanged, and
 *  - refuses a frame whose window (or, for a single-segment frame, its declared content size)
 *    is above 2^maxWindowLog, before any decoder sees the frame and allocates that window;
 *  - cuts the stream after every few blocks, so that one chunk handed to the decoder can never
 *    expand to more than BLOCKS_PER_SLICE * 128 KiB.
 * Written by hand: neither fzstd nor Node's zlib can be told to bound their output per input
 * chunk, and no maintained JavaScript library exposes zstd's framing on its own.
 */
export class ZstdFrameGuard extends Transform {
  private state: State = { kind: 'magic' };
  /** Bytes of a header split across chunks. */
  private pending = Buffer.alloc(0);
  private readonly maxWindow: number;

  /** Window bytes of the frames whose header is in the slice being cut. */
  private sliceWindows = 0;

  /**
   * `windows`, when given, receives for each slice passed on the window bytes of the frames that
   * start in it, so the decoder can account for them when it reaches that slice.
   */
  constructor(
    maxWindowLog: number,
    private readonly windows?: WeakMap<Buffer, number>,
  ) {
    super();
    this.maxWindow = 2 ** maxWindowLog;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      let sliceStart = 0;
      let blocks = 0;
      let sliceBytes = 0;
      let at = 0;
      while (at < chunk.length) {
        const before = at;
        const ended = this.step(chunk, at);
        at = ended.at;
        sliceBytes += at - before;
        if (ended.block) blocks++;
        if (blocks >= BLOCKS_PER_SLICE || sliceBytes >= MAX_SLICE_BYTES) {
          this.pass(chunk.subarray(sliceStart, at));
          sliceStart = at;
          blocks = 0;
          sliceBytes = 0;
        }
      }
      if (sliceStart < chunk.length) this.pass(chunk.subarray(sliceStart));
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  private pass(slice: Buffer): void {
    if (this.sliceWindows > 0) this.windows?.set(slice, this.sliceWindows);
    this.sliceWindows = 0;
    this.push(slice);
  }

  override _flush(done: TransformCallback): void {
    if (this.state.kind === 'magic' && this.pending.length === 0) done();
    else done(new Error('invalid zstd data: the stream ends inside a frame'));
  }

  /** Consumes bytes of the current field from `chunk` at `at`; says whether a block ended. */
  private step(chunk: Buffer, at: number): { at: number; block: boolean } {
    const s = this.state;
    if (s.kind === 'skip') {
      const n = Math.min(s.left, chunk.length - at);
      s.left -= n;
      if (s.left === 0) this.state = s.next;
      return { at: at + n, block: s.left === 0 && s.blockEnd };
    }
    const need = this.headerLength(s);
    const take = Math.min(need - this.pending.length, chunk.length - at);
    this.pending = Buffer.concat([this.pending, chunk.subarray(at, at + take)]);
    if (this.pending.length < need || (s.kind === 'frame' && this.needsMore())) {
      return { at: at + take, block: false };
    }
    const field = this.pending;
    this.pending = Buffer.alloc(0);
    this.state = this.parse(s, field);
    return { at: at + take, block: false };
  }

  /** A frame header's length is known only after its first byte. */
  private needsMore(): boolean {
    return this.pending.length < frameHeaderLength(this.pending[0]!);
  }

  private headerLength(s: Exclude<State, { kind: 'skip' }>): number {
    switch (s.kind) {
      case 'magic':
        return 4;
      case 'skippable':
        return 4;
      case 'frame':
        return this.pending.length === 0 ? 1 : frameHeaderLength(this.pending[0]!);
      case 'block':
        return 3;
    }
  }

  private parse(s: Exclude<State, { kind: 'skip' }>, field: Buffer): State {
    switch (s.kind) {
      case 'magic': {
        const magic = field.readUInt32LE(0);
        if (magic === ZSTD_MAGIC) return { kind: 'frame' };
        if ((magic & 0xfffffff0) === SKIPPABLE_MAGIC) return { kind: 'skippable' };
        throw new Error('invalid zstd data: not a zstd frame');
      }
      case 'skippable':
        return skip(field.readUInt32LE(0), { kind: 'magic' }, false);
      case 'frame':
        return this.frameHeader(field);
      case 'block':
        return this.blockHeader(field, s.checksum);
    }
  }

  private frameHeader(h: Buffer): State {
    const fhd = h[0]!;
    if (fhd & 0x08) throw new Error('invalid zstd data: reserved bit set in a frame header');
    const singleSegment = (fhd & 0x20) !== 0;
    const dictBytes = DICT_BYTES[fhd & 3]!;
    let at = 1;
    let window = 0;
    if (!singleSegment) {
      const wd = h[at++]!;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    const dictId = readLE(h, at, dictBytes);
    at += dictBytes;
    if (dictId !== 0) throw new Error('unsupported zstd data: frames that need a dictionary');
    const fcsBytes = contentSizeBytes(fhd);
    if (singleSegment) window = readLE(h, at, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
    if (window > this.maxWindow) {
      throw new Error(
        `zstd frame needs a ${window}-byte window, more than the ${this.maxWindow} bytes allowed`,
      );
    }
    this.sliceWindows += window;
    return { kind: 'block', checksum: (fhd & 0x04) !== 0 };
  }

  private blockHeader(h: Buffer, checksum: boolean): State {
    const v = h[0]! | (h[1]! << 8) | (h[2]! << 16);
    const last = (v & 1) === 1;
    const type = (v >> 1) & 3;
    const size = v >>> 3;
    if (type === 3) throw new Error('invalid zstd data: reserved block type');
    if (size > MAX_BLOCK) throw new Error(`invalid zstd data: a ${size}-byte block`);
    const after: State = last
      ? checksum
        ? skip(4, { kind: 'magic' }, false)
        : { kind: 'magic' }
      : { kind: 'block', checksum };
    // An RLE block stores one byte and repeats it `size` times.
    return skip(type === 1 ? 1 : size, after, true);
  }
}

type State =
  | { kind: 'magic' }
  | { kind: 'skippable' }
  | { kind: 'frame' }
  | { kind: 'block'; checksum: boolean }
  | { kind: 'skip'; left: number; next: State; blockEnd: boolean };

/** An empty raw block decodes to nothing, so it need not count towards a slice. */
function skip(left: number, next: State, blockEnd: boolean): State {
  return left === 0 ? next : { kind: 'skip', left, next, blockEnd };
}

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC = 0x184d2a50;
const DICT_BYTES = [0, 1, 2, 4];
/** RFC 8878 3.1.1.2.4: no block holds more than 128 KiB, compressed or not. */
const MAX_BLOCK = 128 << 10;
/** 8 blocks decode to at most 1 MiB. */
const BLOCKS_PER_SLICE = 8;
const MAX_SLICE_BYTES = 1 << 20;

function contentSizeBytes(fhd: number): number {
  const flag = fhd >> 6;
  if (flag === 0) return fhd & 0x20 ? 1 : 0;
  return 2 ** flag;
}

/** Frame header length after the magic: descriptor, window, dictionary id, content size. */
function frameHeaderLength(fhd: number): number {
  const singleSegment = (fhd & 0x20) !== 0;
  return 1 + (singleSegment ? 0 : 1) + DICT_BYTES[fhd & 3]! + contentSizeBytes(fhd);
}

function readLE(buf: Buffer, at: number, n: number): number {
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + buf[at + i]!;
  return v;
}
