/** Where progress and warnings go. The CLI writes to stderr; the action to the runner's log. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

/** A logger that drops everything: the default for library calls and tests. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {} };

/** Writes `info` and `warn` lines to stderr; `debug` only when IMAGE_GATE_DEBUG is set. */
export function stderrLogger(debug = false): Logger {
  return {
    debug: (m) => {
      if (debug) process.stderr.write(`debug: ${m}\n`);
    },
    info: (m) => process.stderr.write(`${m}\n`),
    warn: (m) => process.stderr.write(`warning: ${m}\n`),
  };
}
