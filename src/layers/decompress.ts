import { Transform, type TransformCallback } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as zlib from 'node:zlib';
import { Decompress as FzstdDecompress } from 'fzstd';
import type { Compression } from '../image/types.js';
import { ZstdFrameGuard } from './zstd-frames.js';

/** 1 MiB chunks: Node's 16 KiB zlib default was 1.4x slower on these machines. */
const CHUNK = 1 << 20;

/**
 * Node's zlib streams honour backpressure between input chunks but not inside one: a chunk is
 * inflated to the end before its callback runs. gzip expands at most ~1032:1, so 32 KiB of
 * input can never become more than ~33 MiB at once, whatever the blob holds.
 */
const GZIP_SLICE = 32 << 10;

/**
 * 2^27 = 128 MiB, libzstd's own default limit (ZSTD_WINDOWLOG_LIMIT_DEFAULT), which the zstd CLI
 * applies unless `--long`/`--memory` is given: every layer a normal encoder writes fits, and a
 * frame that asks for a bigger window is refused before anything is allocated for it.
 */
export const MAX_ZSTD_WINDOW_LOG = 27;

let gc: (() => void) | null | undefined;

/**
 * A full garbage collection, for PureZstd only: the windows fzstd drops are freed by V8 long
 * after they are dropped, so many frames that each earn a window could still pile up hundreds
 * of MiB of garbage. Collecting after every 128 MiB of windows bounds that pile; a stream with
 * one frame (what encoders write) never gets here. `gc` is reached the documented way for a
 * running process: the flag, then a fresh context, which then has it.
 */
function collectGarbage(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}

/** See PureZstd's constructor. */
const WINDOW_BUDGET = 2 * 2 ** MAX_ZSTD_WINDOW_LOG;
const WINDOW_PER_BYTE = 64;
const COLLECT_EVERY = 2 ** MAX_ZSTD_WINDOW_LOG;

type ZstdFactory = (options: { chunkSize: number; params: Record<number, number> }) => Transform;

/** Node 24 (and 22.15) has zstd in node:zlib (native, on the thread pool); Node 20 does not. */
const nativeZstd = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;
const ZSTD_d_windowLogMax = (zlib.constants as unknown as Record<string, number | undefined>)
  .ZSTD_d_windowLogMax;

/**
 * The stages from the stored blob to the layer's tar stream, with memory bounded whatever the
 * blob holds: input reaches the decoder in slices that cannot expand beyond a few tens of MiB,
 * and a Transform takes its next slice only once its reader has drained the last one.
 */
export function decompressor(compression: Compression): Transform[] | undefined {
  switch (compression) {
    case 'gzip':
      return [new Slicer(GZIP_SLICE), zlib.createGunzip({ chunkSize: CHUNK })];
    case 'zstd': {
      if (nativeZstd) return [new ZstdFrameGuard(MAX_ZSTD_WINDOW_LOG), nativeZstdDecoder()];
      const windows = new WeakMap<Buffer, number>();
      return [new ZstdFrameGuard(MAX_ZSTD_WINDOW_LOG, windows), new PureZstd(windows)];
    }
    case 'none':
      return undefined;
  }
}

function nativeZstdDecoder(): Transform {
  // The guard already refused big windows; the decoder's own limit is a second fence.
  const params =
    ZSTD_d_windowLogMax === undefined ? {} : { [ZSTD_d_windowLogMax]: MAX_ZSTD_WINDOW_LOG };
  return nativeZstd!({ chunkSize: CHUNK, params });
}

/** Cuts chunks into pieces of at most `max` bytes (views, no copies). */
class Slicer extends Transform {
  constructor(private readonly max: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    for (let at = 0; at < chunk.length; at += this.max) {
      this.push(chunk.subarray(at, at + this.max));
    }
    done();
  }
}

/**
 * zstd for Node 20, through fzstd (pure JavaScript, on the main thread, so slower than Node 24's
 * native zstd). fzstd allocates the frame's window up front and decodes a whole pushed chunk
 * synchronously, which is why it only ever sees what ZstdFrameGuard let through: bounded
 * windows, and slices of a few blocks.
 */
class PureZstd extends Transform {
  /** Window bytes the frames read so far make fzstd allocate, and bytes decoded. */
  private windows = 0;
  private produced = 0;
  /** Window bytes allocated since the last forced collection. */
  private uncollected = 0;
  private readonly inner = new FzstdDecompress((data) => {
    this.produced += data.length;
    if (data.length) this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });

  /**
   * fzstd allocates a fresh window for every frame (libzstd reuses one), and the garbage
   * collector frees them much later than they come: thousands of tiny frames that each ask
   * for a 128 MiB window took Node 20 past 1.2 GB. So frames must earn their windows: beyond
   * two full windows, every window byte needs 1/64 of a byte decoded. Real multi-frame streams
   * (pzstd, zstd:chunked, seekable zstd) size windows to their frames and stay far below.
   * ZstdFrameGuard says which slice starts which frames (`frameWindows`).
   */
  constructor(private readonly frameWindows: WeakMap<Buffer, number>) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const windows = this.frameWindows.get(chunk) ?? 0;
    this.windows += windows;
    this.uncollected += windows;
    if (this.uncollected > COLLECT_EVERY) {
      this.uncollected = 0;
      collectGarbage();
    }
    if (this.windows > WINDOW_BUDGET + WINDOW_PER_BYTE * this.produced) {
      done(
        new Error(
          `zstd frames ask for ${this.windows} bytes of windows for ${this.produced} bytes of data; refusing a possible decompression bomb`,
        ),
      );
      return;
    }
    try {
      this.inner.push(chunk);
      done();
    } catch (err) {
      done(new Error(`invalid zstd data: ${(err as Error).message}`));
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.inner.push(new Uint8Array(0), true);
      done();
    } catch (err) {
      done(new Error(`invalid zstd data: ${(err as Error).message}`));
    }
  }
}
