/** Where a secret was found. `file` secrets ship even when a later layer deletes the file. */
export type SecretSourceKind = 'file' | 'env' | 'history' | 'label';

/**
 * One secret found in the image. It never holds the secret itself: `excerpt` is redacted
 * before it leaves the detector.
 */
export interface SecretFinding {
  kind: SecretSourceKind;
  /** Detector id, e.g. `aws-access-key-id`, `github-token`, `private-key`. */
  detector: string;
  /** Human title of the detector, e.g. "AWS access key id". */
  title: string;
  /** Layer position and diffID for `file` findings (and for `history` when the entry made a layer). */
  layerIndex?: number;
  diffId?: string;
  /** Image path for `file`; variable name for `env`; label key for `label`. */
  path?: string;
  /** 1-based line of the match in the file or value. */
  line?: number;
  /** History entry index for `history` findings. */
  historyIndex?: number;
  /** The matched line with the secret replaced by a redaction marker. */
  excerpt: string;
}

/** A passwd entry from the final merged filesystem. */
export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

/** What `/etc/passwd` in the final filesystem says, after symlinks and whiteouts. */
export type PasswdFacts =
  { status: 'found'; path: string; entries: PasswdEntry[] } | { status: 'missing'; reason: string };
