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
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }

  get location(): SourceLocation | undefined {
    return this.options.location;
  }
}

/** The one-line message for any thrown value; unexpected errors keep their own message. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
