/** One secret found by the scanner. It never holds the secret: `excerpt` is redacted. */
export interface SecretHit {
  /** Detector id, e.g. `github-token`. */
  detector: string;
  /** Human title, e.g. "GitHub token". */
  title: string;
  /** 1-based line of the match in the scanned content. */
  line: number;
  /** The matched line with every secret on it replaced by `****` (at most 4 kept characters). */
  excerpt: string;
}

/**
 * A match inside the text handed to a detector. `at` places the finding (its line gives the line
 * number and the excerpt); `[start, end)` is the secret to redact, of which the first `keep`
 * characters (a recognisable prefix such as `ghp_`, never more than 4) may stay visible.
 */
export interface DetectorMatch {
  at: number;
  start: number;
  end: number;
  keep: number;
}

/** How far after a prefilter window an `assignment` detector's `:` or `=` may be. */
export const ASSIGNMENT_REACH = 64;

/** A literal found with Buffer.indexOf, with an optional byte-level check before decoding. */
export interface Needle {
  readonly literal: string;
  /** Cheap test of the bytes around the hit at `at`; false drops the hit. */
  readonly accept?: (buf: Buffer, at: number) => boolean;
}

/**
 * A detector family. The scanner only runs `find` on lines where one of its prefilter literals
 * occurs, so `windows` and `needles` must cover every match `find` can return.
 */
export interface Detector {
  readonly id: string;
  readonly title: string;
  /** Exactly 4-character literals for the bigram prefilter; `anyCase` adds every case variant. */
  readonly windows: readonly string[];
  readonly anyCase?: boolean;
  /** Short literals searched with Buffer.indexOf (a memchr-speed pass each; keep it to rare ones). */
  readonly needles?: readonly Needle[];
  /** Cheap test on the line before the detector's real regexes run. */
  readonly quick: RegExp;
  /**
   * Every match has `:` or `=` within ASSIGNMENT_REACH bytes after the window on the same line
   * (`password = …`). The prefilter then drops bare keyword hits (`tokenize(`) before decoding.
   */
  readonly assignment?: boolean;
  /** Needs the text after the line (PEM bodies, JSON objects); decoding it costs, so say so. */
  readonly multiline?: boolean;
  /**
   * Finds secrets. `text` starts at the line of the keyword hit and runs a few KB past it for
   * multi-line detectors (PEM bodies, JSON); `lineEnd` is the end of that first line in `text`.
   * Other detectors get the line alone and only look at `text.slice(0, lineEnd)`.
   */
  find(text: string, lineEnd: number): DetectorMatch[];
}
