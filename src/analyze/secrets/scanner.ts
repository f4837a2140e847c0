import { DETECTORS, KEYSTORE_HEAD, keystoreHits } from './detectors/index.js';
import { buildExcerpt, maskSpans, type Redaction } from './excerpt.js';
import { rememberSecret } from './found.js';
import { Prefilter, caseVariants } from './prefilter.js';
import type { Detector, DetectorMatch, Needle, SecretHit } from './types.js';

/** Bytes before a keyword searched for the start of its line. */
const BACK = 256;
/** Bytes after a keyword searched for the end of its line (longer lines are examined in pieces). */
const LINE_MAX = 1024;
/** Bytes after the keyword's line handed to multi-line detectors (PEM bodies, JSON objects). */
const AHEAD = 2048;
/** What a candidate needs after it before it can be examined. */
const NEED = LINE_MAX + AHEAD;
/** Bytes of history a stream keeps: enough for BACK + NEED around a deferred candidate. */
const HISTORY = 4096;

/** A stream over one file's content; memory stays bounded whatever the file size. */
export interface SecretStream {
  write(chunk: Buffer): void;
  /** Finishes the file and returns every hit, in file order. The stream cannot be reused. */
  end(): SecretHit[];
}

/**
 * Finds secrets in file content and in strings. Construct once and reuse: the prefilter tables
 * are built from the detector set. Nothing returned contains a secret.
 */
export class SecretScanner {
  private readonly prefilter: Prefilter;

  constructor(readonly detectors: readonly Detector[] = DETECTORS) {
    // A window shared by several detectors only needs an assignment if all of them do.
    const windows = new Map<string, boolean>();
    const needles: Needle[] = [];
    for (const d of detectors) {
      for (const w of d.windows) {
        for (const v of d.anyCase === true ? caseVariants(w) : [w]) {
          windows.set(v, (windows.get(v) ?? true) && d.assignment === true);
        }
      }
      needles.push(...(d.needles ?? []));
    }
    this.prefilter = new Prefilter(
      [...windows].map(([text, assignment]) => ({ text, assignment })),
      needles,
    );
  }

  /** Scans a whole file held in memory. */
  scanBuffer(content: Buffer): SecretHit[] {
    const positions: number[] = [];
    this.prefilter.scan(content, positions);
    const keystore = keystoreHits(content);
    if (positions.length === 0) return keystore;
    const lines = new LineCounter();
    const examiner = new Examiner(this.detectors);
    for (const pos of positions) {
      examiner.examine(content, 0, pos, (p) => lines.lineAt(content, 0, p));
    }
    return keystore.concat(examiner.hits);
  }

  /**
   * `text` with every secret any detector finds in it replaced by the kept prefix and `****`,
   * whole (no excerpt cut): for locations and messages that quote image text (a path, an env var
   * name, a label key, an error).
   */
  mask(text: string): string {
    return maskSpans(text, this.spans(text));
  }

  /** Every secret span in `text`, in UTF-8 byte offsets, as `mask` hides them. */
  spans(text: string): Redaction[] {
    const content = Buffer.from(text, 'utf8');
    const positions: number[] = [];
    this.prefilter.scan(content, positions);
    if (positions.length === 0) return [];
    const examiner = new Examiner(this.detectors, true);
    for (const pos of positions) examiner.examine(content, 0, pos, () => 0);
    return examiner.spans ?? [];
  }

  /** Scans an environment value, a history `created_by`, a label (`key=value`). */
  scanString(value: string): SecretHit[] {
    return this.scanBuffer(Buffer.from(value, 'utf8'));
  }

  /** Scans a file chunk by chunk, finding secrets that straddle chunk boundaries exactly once. */
  createStream(): SecretStream {
    return new Stream(this.prefilter, new Examiner(this.detectors));
  }
}

/** Newline counting with a forward-moving checkpoint, so hits in order cost one pass in total. */
class LineCounter {
  private pos = 0;
  private count = 0;

  /** 1-based line of absolute offset `p`; `buf` (starting at `base`) must hold the checkpoint. */
  lineAt(buf: Buffer, base: number, p: number): number {
    if (p < this.pos) return this.count - countNewlines(buf, p - base, this.pos - base) + 1;
    this.count += countNewlines(buf, this.pos - base, p - base);
    this.pos = p;
    return this.count + 1;
  }

  reset(pos: number, count: number): void {
    this.pos = pos;
    this.count = count;
  }
}

function countNewlines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf(10, from); i !== -1 && i < to; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Runs the detectors on the line around each keyword hit and turns matches into hits. Lines are
 * examined once (hits inside an examined line are skipped) and a span claimed by one detector is
 * not reported again (most specific detector first, chunk overlaps).
 */
class Examiner {
  readonly hits: SecretHit[] = [];
  /** Every span found (absolute), kept only for `mask`: a file's stream must stay bounded. */
  readonly spans: Redaction[] | undefined;
  private examinedUntil = -1;
  /**
   * Spans found near the current position (absolute). Each excerpt masks all of them, not only
   * the ones found in its own examination: a long line is examined in overlapping pieces.
   */
  private claimed: Redaction[] = [];

  constructor(
    private readonly detectors: readonly Detector[],
    keepSpans = false,
  ) {
    this.spans = keepSpans ? [] : undefined;
  }

  /** `buf` holds bytes from absolute offset `base`, including [pos - BACK, pos + NEED) if any. */
  examine(buf: Buffer, base: number, pos: number, lineAt: (p: number) => number): void {
    if (pos < this.examinedUntil) return;
    // Later examinations start at or after pos - BACK: spans ending before it no longer matter.
    this.claimed = this.claimed.filter((c) => c.end > pos - BACK);
    const rel = pos - base;
    let ls = rel;
    const floor = Math.max(0, rel - BACK);
    while (ls > floor && buf[ls - 1] !== 10) ls--;
    const limit = Math.min(buf.length, rel + LINE_MAX);
    const nl = buf.subarray(rel, limit).indexOf(10);
    const le = nl === -1 ? limit : rel + nl;
    // A line cut at LINE_MAX is examined again from a later hit; keep an overlap for its tail.
    this.examinedUntil = base + (nl === -1 && limit < buf.length ? le - BACK : le);
    const lineEnd = le - ls;
    const line = buf.toString('latin1', ls, le);
    // The lookahead is only decoded when a multi-line detector wants it.
    let text = line;
    const textBase = base + ls;

    // Where this window was cut out of a longer line: an excerpt drops the partial value there.
    const edges = {
      cutBefore: ls > 0 ? buf[ls - 1] !== 10 : base > 0,
      cutAfter: nl === -1 && limit < buf.length,
    };
    const found: Array<{ detector: Detector; match: DetectorMatch }> = [];
    for (const detector of this.detectors) {
      if (!detector.quick.test(line)) continue;
      if (detector.multiline === true && text === line) {
        text = buf.toString('latin1', ls, Math.min(buf.length, le + AHEAD));
      }
      for (const match of detector.find(detector.multiline === true ? text : line, lineEnd)) {
        const start = textBase + match.start;
        const end = textBase + Math.max(match.end, match.start + 1);
        const span = { start, end, keep: match.keep };
        rememberSecret((detector.multiline === true ? text : line).slice(match.start, match.end));
        // A span another detector claimed is not reported again, but is still masked.
        const reported = !this.claimed.some((c) => c.start < end && start < c.end);
        if (reported || !this.claimed.some((c) => c.start <= start && end <= c.end)) {
          this.claimed.push(span);
          this.spans?.push(span);
        }
        if (reported) found.push({ detector, match });
      }
    }
    if (found.length === 0) return;

    const redactions: Redaction[] = this.claimed.map((c) => ({
      start: c.start - textBase,
      end: c.end - textBase,
      keep: c.keep,
    }));
    for (const { detector, match } of found) {
      const lineStart = text.lastIndexOf('\n', match.at - 1) + 1;
      const nextNl = text.indexOf('\n', match.at);
      const lineStop = nextNl === -1 ? text.length : nextNl;
      this.hits.push({
        detector: detector.id,
        title: detector.title,
        line: lineAt(textBase + match.at),
        excerpt: buildExcerpt(text, lineStart, lineStop, redactions, match.at, {
          cutBefore: lineStart === 0 && edges.cutBefore,
          // The lookahead of a multi-line detector ends wherever AHEAD fell.
          cutAfter: lineStop === text.length && (text === line ? edges.cutAfter : true),
        }),
      });
    }
  }
}

class Stream implements SecretStream {
  private history: Buffer = Buffer.alloc(0);
  private total = 0;
  private newlines = 0;
  private pending: number[] = [];
  private readonly lines = new LineCounter();
  private done = false;
  /** The head of a file that may be a binary keystore (by its first byte), else undefined. */
  private head: Buffer[] | undefined;

  constructor(
    private readonly prefilter: Prefilter,
    private readonly examiner: Examiner,
  ) {}

  write(chunk: Buffer): void {
    if (this.done) throw new Error('secret stream already ended');
    if (chunk.length === 0) return;
    const chunkBase = this.total;
    const chunkEnd = chunkBase + chunk.length;
    const found: number[] = [];
    // Literals straddling the previous chunk and this one.
    const o = this.prefilter.overlap;
    if (this.history.length > 0) {
      const seam = Buffer.concat([
        this.history.subarray(Math.max(0, this.history.length - o)),
        chunk.subarray(0, o),
      ]);
      const seamBase = chunkBase - Math.min(o, this.history.length);
      const local: number[] = [];
      this.prefilter.scan(seam, local);
      for (const p of local) if (seamBase + p < chunkBase) found.push(seamBase + p);
    }
    const local: number[] = [];
    this.prefilter.scan(chunk, local);
    for (const p of local) found.push(chunkBase + p);
    const queue = this.pending.length > 0 ? this.pending.concat(found) : found;

    this.lines.reset(chunkBase, this.newlines);
    let i = 0;
    for (; i < queue.length; i++) {
      const pos = queue[i]!;
      if (pos + NEED > chunkEnd) break;
      if (pos - BACK >= chunkBase) {
        this.examiner.examine(chunk, chunkBase, pos, (p) => this.lines.lineAt(chunk, chunkBase, p));
      } else {
        const ctx = Buffer.concat([this.history, chunk.subarray(0, pos + NEED - chunkBase)]);
        const ctxBase = chunkBase - this.history.length;
        this.examiner.examine(ctx, ctxBase, pos, (p) => this.lines.lineAt(ctx, ctxBase, p));
      }
    }
    this.pending = queue.slice(i);

    this.newlines += countNewlines(chunk, 0, chunk.length);
    this.history =
      chunk.length >= HISTORY
        ? Buffer.from(chunk.subarray(chunk.length - HISTORY))
        : Buffer.concat([this.history, chunk]).subarray(-HISTORY);
    // Only files that may be binary keystores (by their first byte) keep their head.
    if (chunkBase === 0) this.head = keystoreHits.mayStart(chunk[0]) ? [] : undefined;
    if (this.head !== undefined && chunkBase < KEYSTORE_HEAD)
      this.head.push(Buffer.from(chunk.subarray(0, KEYSTORE_HEAD - chunkBase)));
    this.total = chunkEnd;
  }

  end(): SecretHit[] {
    if (!this.done) {
      this.done = true;
      const base = this.total - this.history.length;
      this.lines.reset(this.total, this.newlines);
      for (const pos of this.pending) {
        this.examiner.examine(this.history, base, pos, (p) =>
          this.lines.lineAt(this.history, base, p),
        );
      }
      this.pending = [];
      if (this.head !== undefined)
        this.examiner.hits.unshift(...keystoreHits(Buffer.concat(this.head)));
    }
    return this.examiner.hits;
  }
}
