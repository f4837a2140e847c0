import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback, type Writable } from 'node:stream';

/**
 * Hashes and counts the bytes that pass through, so a digest is checked on the same pass that
 * feeds the next stage. `limit` bounds what a hostile layer may expand to.
 */
export class DigestMeter extends Transform {
  readonly hash: Hash = createHash('sha256');
  bytes = 0;

  constructor(
    private readonly limit: number,
    private readonly onLimit: (bytes: number) => Error,
    private readonly onBytes?: (n: number) => void,
    /** Also writes every chunk here (the blob spooled for the scanners), honouring backpressure. */
    private readonly copy?: Writable,
    /** Hash after returning to the producer (for zlib's output; see _transform). */
    private readonly deferred = false,
  ) {
    super({ highWaterMark: 1 << 20 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    // Return to the producer first: zlib hands the next chunk to the thread pool only after its
    // push() returns, so hashing inside push() would serialise inflate and hash.
    if (this.deferred) setImmediate(() => this.consume(chunk, done));
    else this.consume(chunk, done);
  }

  private consume(chunk: Buffer, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      done(this.onLimit(this.bytes));
      return;
    }
    this.hash.update(chunk);
    this.onBytes?.(chunk.length);
    if (this.copy && !this.copy.write(chunk)) {
      this.copy.once('drain', () => done(null, chunk));
      return;
    }
    done(null, chunk);
  }

  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}
