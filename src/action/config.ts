import type { ScannerName } from '../scanners/finding.js';

export type CommentMode = 'auto' | 'always' | 'never';

/** Build inputs: the action builds the image, then gates the first tag through the daemon. */
export interface BuildConfig {
  context: string;
  file?: string;
  buildArgs: string[];
  target?: string;
  tags: string[];
  platform?: string;
}

/** Every input of action.yml, parsed and checked: what `runAction` works from. */
export interface ActionConfig {
  /** References to gate; with build inputs, filled in after the build. */
  images: string[];
  build?: BuildConfig;
  /** Undefined: the built-in policy. */
  policyPath?: string;
  scanners: ScannerName[];
  scannerVersions: Partial<Record<ScannerName, string>>;
  maxDbAge?: string;
  /** Seconds. */
  scannerTimeout?: number;
  trivyReport?: string;
  grypeReport?: string;
  platform?: string;
  fail: boolean;
  comment: CommentMode;
  /** Explicit key; derived from images, job and matrix when empty. */
  commentKey?: string;
  /** `${{ toJSON(matrix) }}`. */
  matrix?: string;
  summary: boolean;
  sarif?: string;
  githubToken?: string;
  /** `sign: true`: sign each image that passed, with the key in `signing-key`. */
  sign?: SignConfig;
}

export interface SignConfig {
  /** The private key itself (a secret's value): cosign's encrypted key or a P-256 PEM. */
  keyPem?: string;
  /** `keyless: true` instead of a key: Fulcio + TSA (+ Rekor with `tlog`), bundles only. */
  keyless?: {
    fulcioURL: string;
    tsaURL?: string;
    rekorURL?: string;
    trustedRootPath: string;
  };
  /** `signing-key-password`; else `COSIGN_PASSWORD` from the step's env. */
  password?: string;
  /** `.sig`/`.att` tags besides bundle referrers (default true). */
  legacy: boolean;
}
