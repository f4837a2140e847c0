import { Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { Decompress as FzstdDecompress } from 'fzstd';
import type { Compression } from '../image/types.js';

/** 1 MiB chunks: Node's 16 KiB zlib default was 1.4x slower on these machines. */
const CHUNK = 1 << 20;

type ZstdFactory = (options: { chunkSize: number }) => Transform;

/** Node 24 has zstd in node:zlib (native, on the thread pool); Node 20 does not. */
const nativeZstd = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;

/** A transform from the stored blob to the layer's tar stream. */
export function decompressor(compression: Compression): Transform | undefined {
  switch (compression) {
    case 'gzip':
      return zlib.createGunzip({ chunkSize: CHUNK });
    case 'zstd':
      return nativeZstd ? nativeZstd({ chunkSize: CHUNK }) : new PureZstd();
    case 'none':
      return undefined;
  }
}

/**
 * zstd for Node 20, through fzstd (pure JavaScript, on the main thread, so slower than Node 24's
 * native zstd). Kept because Node 20 is still the runtime on many machines.
 */
class PureZstd extends Transform {
  private readonly inner = new FzstdDecompress((data) => {
    if (data.length) this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
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
