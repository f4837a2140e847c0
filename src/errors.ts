import { safeText } from './redact.js';

/**
 * Every failure image-gate reports on purpose is a GateError. The CLI maps any of them to exit
 * code 2 (an error is never a pass) and prints `message` as one line; the action turns them into
 * a failed step with an annotation when `location` is set.
 */
export type ErrorCode =
  | 'usage' // bad command line or action inputs
  | 'reference' // an image reference that cannot be parsed
  | 'not-found' // a file, image, tag or blob that does not exist
  | 'registry' // the registry answered with an error, or could not be reached
  | 'auth' // credentials missing or refused
  | 'digest' // bytes that do not match the digest that names them
  | 'format' // a manifest, config, archive or layer that is malformed or unsupported
  | 'limit' // a safety bound was hit (decompression bomb, too many entries)
  | 'policy' // a policy file that cannot be read or does not validate
  | 'scanner' // a vulnerability scanner that is missing, failed or produced garbage
  | 'report' // a scanner report that cannot be used
  | 'daemon' // the Docker Engine API failed
  | 'github' // the GitHub API failed
  | 'internal';

/** A place in a file, for messages and GitHub annotations. Lines and columns start at 1. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

export class GateError extends Error {
  override readonly name = 'GateError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: { cause?: unknown; location?: SourceLocation } = {},
  ) {
    // Messages quote image text, references and URLs: made safe once, where they are born.
    super(safeText(message), options.cause === undefined ? undefined : { cause: options.cause });
  }

  get location(): SourceLocation | undefined {
    return this.options.location;
  }
}

/**
 * The message for any thrown value, safe to print (no credentials, secrets or raw control
 * characters): unexpected errors (from Node, a library, a registry) quote URLs and input too.
 */
export function errorMessage(err: unknown): string {
  return safeText(err instanceof Error ? err.message : String(err));
}

/** `errorMessage` plus the stack and causes, for `--debug`: just as safe. */
export function errorDetail(err: unknown): string {
  const lines: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 5; depth++) {
    lines.push(safeText(e instanceof Error ? (e.stack ?? e.message) : String(e)));
    e = e instanceof Error ? e.cause : undefined;
  }
  return lines.join('\ncaused by: ');
}
