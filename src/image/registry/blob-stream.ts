import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { GateError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { Retryable, retryDelay } from './retry.js';
import type { RetryPolicy } from './retry.js';
import { discard, headerValue } from './transport.js';
import type { HttpResponse } from './transport.js';

export interface ResumeOptions {
  policy: RetryPolicy;
  log: Logger;
  /** Requests the rest of the blob from `offset` (a Range request). */
  reopen: (offset: number) => Promise<HttpResponse>;
  /** Classifies a body error: Retryable when another attempt may work. */
  failure: (err: unknown) => GateError | Retryable;
  statusFailure: (res: HttpResponse) => Promise<GateError | Retryable>;
}

/**
 * A layer blob can be hundreds of megabytes: when the connection drops mid-way, ask for the
 * rest with `Range: bytes=N-` instead of failing the whole walk. A server that ignores Range
 * (200) is read again from the start with the bytes already delivered skipped. The caller's
 * digest check covers the stitched result either way.
 */
export function resumableBlobStream(first: HttpResponse, o: ResumeOptions): Readable {
  let received = 0;
  let retries = 0;
  let done = false;
  let current: IncomingMessage = first.body;

  const out = new Readable({
    // Layer blobs are large: a 16 KiB buffer would pause the socket after every read.
    highWaterMark: 1 << 20,
    read() {
      current.resume();
    },
    destroy(err, callback) {
      done = true;
      current.destroy();
      callback(err);
    },
  });

  const fail = (err: GateError): void => {
    if (done) return;
    done = true;
    out.destroy(err);
  };

  const attach = (body: IncomingMessage, skip: number): void => {
    current = body;
    let toSkip = skip;
    body.on('data', (data: Buffer) => {
      let chunk = data;
      if (toSkip > 0) {
        const n = Math.min(toSkip, chunk.length);
        toSkip -= n;
        chunk = chunk.subarray(n);
        if (chunk.length === 0) return;
      }
      received += chunk.length;
      if (!out.push(chunk)) body.pause();
    });
    body.on('end', () => {
      if (done) return;
      done = true;
      out.push(null);
    });
    body.on('error', (err) => void recover(err));
  };

  const recover = async (err: unknown): Promise<void> => {
    let cause: unknown = err;
    while (!done) {
      const f = cause instanceof GateError || cause instanceof Retryable ? cause : o.failure(cause);
      if (!(f instanceof Retryable)) return fail(f);
      if (retries >= o.policy.retries) return fail(f.final);
      const delay = retryDelay(retries++, f.retryAfterMs, o.policy);
      o.log.debug(`${f.final.message}; resuming at byte ${received} in ${delay} ms`);
      await o.policy.sleep(delay);
      if (done) return;
      try {
        const res = await o.reopen(received);
        if (res.status === 200) return attach(res.body, received);
        if (res.status === 206) {
          const start = /^bytes\s+(\d+)-/.exec(headerValue(res.headers, 'content-range') ?? '');
          if (start && Number(start[1]) === received) return attach(res.body, 0);
          discard(res);
          return fail(
            new GateError(
              'registry',
              `${f.final.message}; the registry answered a wrong range on resume`,
            ),
          );
        }
        cause = await o.statusFailure(res);
      } catch (e) {
        cause = e;
      }
    }
  };

  attach(first.body, 0);
  return out;
}
