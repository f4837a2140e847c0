import type { Progress } from '../layers/walk.js';

/** A one-line progress meter on stderr, shown only when stderr is a terminal. */
export function terminalProgress(
  stream: NodeJS.WriteStream = process.stderr,
): Progress | undefined {
  if (!stream.isTTY) return undefined;
  let total = 0;
  let last = 0;
  return {
    start(bytes) {
      total = bytes;
    },
    update(done) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const pct = total ? Math.floor((done / total) * 100) : 0;
      stream.write(`\rreading layers: ${mb(done)} / ${mb(total)} (${pct}%)`);
    },
    end() {
      if (last) stream.write('\r\x1b[K');
    },
  };
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}
