import { safeText } from './redact.js';

/** Where progress and warnings go. The CLI writes to stderr; the action to the runner's log. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

/** A logger that drops everything: the default for library calls and tests. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {} };

/**
 * Every message made safe to print (`safeText`): log lines quote URLs, paths and image text.
 * Any logger that writes somewhere a person reads wraps its sink with this.
 */
export function safeLogger(sink: Logger): Logger {
  return {
    debug: (m) => sink.debug(safeText(m)),
    info: (m) => sink.info(safeText(m)),
    warn: (m) => sink.warn(safeText(m)),
  };
}

/** Writes `info` and `warn` lines to stderr; `debug` only with `--debug` (IMAGE_GATE_DEBUG). */
export function stderrLogger(debug = false): Logger {
  return safeLogger({
    debug: (m) => {
      if (debug) process.stderr.write(`debug: ${m}\n`);
    },
    info: (m) => process.stderr.write(`${m}\n`),
    warn: (m) => process.stderr.write(`warning: ${m}\n`),
  });
}
