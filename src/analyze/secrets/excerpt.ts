/** A secret to hide in an excerpt, relative to the same text as the line. */
export interface Redaction {
  start: number;
  end: number;
  /** Leading characters of the secret left visible (a vendor prefix, at most 4). */
  keep: number;
}

/** Where the line handed to buildExcerpt was cut from a longer one (not at a newline or EOF). */
export interface LineEdges {
  cutBefore: boolean;
  cutAfter: boolean;
}

/** The longest excerpt, without the `…` marks. */
export const EXCERPT_WIDTH = 120;
/** Characters shown before the finding: enough for its key (`"aws_secret_access_key": `). */
const BEFORE = 40;
const MARK = '****';
/** What separates values on a line: a cut may only resume after one of these. */
const DELIMITER = /[\s"'`,;&|<>()[\]{}]/;
/**
 * A run that looks generated: token characters mixing letters and digits, 16 or more. Whatever
 * the detectors make of it, an excerpt never needs one, and a secret that no detector
 * recognised (or one cut in half by the window) must not ride along next to a finding.
 */
const RANDOM_RUN = /[A-Za-z0-9+/=_.~-]{16,}/g;

/**
 * The line `[lineStart, lineEnd)` of `text` with every redaction replaced by its kept prefix and
 * `****`, made printable, and cut to at most EXCERPT_WIDTH characters around `focus` (the
 * finding). Redacting before cutting means a cut can never expose part of a recognised secret;
 * a cut (here, or where the caller cut the line) drops the partial value at the edge, and
 * random-looking runs are masked too, so the excerpt carries the key and the masked value, not
 * neighbouring data.
 */
export function buildExcerpt(
  text: string,
  lineStart: number,
  lineEnd: number,
  redactions: readonly Redaction[],
  focus: number,
  edges: LineEdges = { cutBefore: false, cutAfter: false },
): string {
  const spans = redactions
    .filter((r) => r.start < lineEnd && r.end > lineStart)
    .sort((a, b) => a.start - b.start);
  let out = '';
  let cursor = lineStart;
  // Where the finding's masked value starts and ends in `out`: cuts never go inside it.
  let focusStart = -1;
  let focusEnd = -1;
  let spanStart = 0;
  for (const r of spans) {
    const start = Math.max(r.start, lineStart);
    if (start >= cursor) {
      out += printable(text.slice(cursor, start));
      spanStart = out.length;
      // A span that begins on an earlier line keeps nothing: its prefix is not on this line.
      if (r.start >= lineStart) out += printable(text.slice(start, start + Math.min(r.keep, 4)));
      out += MARK;
    }
    if (focusStart === -1 && focus <= Math.max(r.end, cursor)) {
      focusStart = spanStart;
      focusEnd = out.length;
    }
    cursor = Math.max(cursor, Math.min(r.end, lineEnd));
  }
  if (focusStart === -1) {
    focusStart = focusEnd = Math.min(
      out.length + Math.max(0, focus - cursor),
      out.length + lineEnd - cursor,
    );
  }
  out += printable(text.slice(cursor, lineEnd));

  let from = edges.cutBefore ? dropPartial(out, 0, focusStart) : 0;
  let to = edges.cutAfter ? dropPartialEnd(out, out.length, focusEnd) : out.length;
  if (to - from > EXCERPT_WIDTH) {
    const start = Math.max(from, Math.min(focusStart - BEFORE, to - EXCERPT_WIDTH));
    if (start > from) from = dropPartial(out, start, focusStart);
    if (to > from + EXCERPT_WIDTH)
      to = dropPartialEnd(out, Math.max(from + EXCERPT_WIDTH, focusEnd), focusEnd);
  }
  const body = out.slice(from, to);
  const more = to < out.length || edges.cutAfter;
  return (from > 0 || edges.cutBefore ? '…' : '') + body.trimEnd() + (more ? '…' : '');
}

/** Printable ASCII, one character for one, with random-looking runs masked. */
function printable(s: string): string {
  return s
    .replace(/\t/g, ' ')
    .replace(/[^\x20-\x7e]/g, '.')
    .replace(RANDOM_RUN, (run) => (/\d/.test(run) && /[A-Za-z]/.test(run) ? MARK : run));
}

/**
 * The first index at or after `at` where a whole value starts: past the partial value a cut at
 * `at` left (unless `at` already follows a delimiter), never past the finding at `focus`.
 */
function dropPartial(s: string, at: number, focus: number): number {
  if (at >= focus || (at > 0 && DELIMITER.test(s.charAt(at - 1)))) return at;
  let i = at;
  while (i < focus && !DELIMITER.test(s.charAt(i))) i++;
  return i;
}

/** The mirror of dropPartial for a cut at `at` on the right: end before the partial value. */
function dropPartialEnd(s: string, at: number, focus: number): number {
  if (at <= focus || (at < s.length && DELIMITER.test(s.charAt(at)))) return at;
  let i = at;
  while (i > focus && !DELIMITER.test(s.charAt(i - 1))) i--;
  return i;
}

/** `text` with each span (UTF-8 byte offsets) replaced by its kept prefix and `****`. */
export function maskSpans(text: string, spans: readonly Redaction[]): string {
  if (spans.length === 0) return text;
  const content = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let cursor = 0;
  for (const r of [...spans].sort((a, b) => a.start - b.start)) {
    if (r.end <= cursor) continue;
    const start = Math.max(r.start, cursor);
    parts.push(content.subarray(cursor, start));
    if (r.start >= cursor) parts.push(content.subarray(start, start + Math.min(r.keep, 4)));
    parts.push(Buffer.from(MARK));
    cursor = r.end;
  }
  parts.push(content.subarray(cursor));
  return Buffer.concat(parts).toString('utf8');
}
