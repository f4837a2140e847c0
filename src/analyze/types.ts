import type { RuntimeAccountFiles } from './accounts.js';

/** Where a secret was found. `file` secrets ship even when a later layer deletes the file. */
export type SecretSourceKind = 'file' | 'env' | 'history' | 'label' | 'config';

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
  /**
   * Image path for `file`; variable name for `env`; label key for `label`; the config field for
   * `config` (`Cmd`, `Entrypoint`, `WorkingDir`, ...).
   */
  path?: string;
  /** 1-based line of the match in the file or value. */
  line?: number;
  /** History entry index for `history` findings. */
  historyIndex?: number;
  /** The matched line with the secret replaced by a redaction marker. */
  excerpt: string;
}

/**
 * What the runtime will read as /etc/passwd and /etc/group when it starts the image, from the
 * final filesystem (layers merged as overlayfs does, Docker's init layer on top).
 * - `known`: the files as dockerd reads them and as runc reads them inside the container;
 * - `refused`: dockerd fails before resolving any user (e.g. a symbolic link loop);
 * - `unproven`: the gate cannot tell what the runtime reads; the non-root rule fails.
 */
export type AccountFacts =
  | { status: 'known'; files: RuntimeAccountFiles; passwdPath: string; groupPath: string }
  | { status: 'refused'; reason: string }
  | { status: 'unproven'; reason: string };
