/** A secret to hide in an excerpt, relative to the same text as the line. */
export interface Redaction {
  start: number;
  end: number;
  /** Leading characters of the secret left visible (a vendor prefix, at most 4). */
  keep: number;
}

export const EXCERPT_WIDTH = 120;
const MARK = '****';

/**
 * The line `[lineStart, lineEnd)` of `text` with every redaction replaced by its kept prefix and
 * `****`, made printable, and cut to EXCERPT_WIDTH characters around `focus` (the finding).
 * Redacting before cutting means a cut can never expose part of a secret.
 */
export function buildExcerpt(
  text: string,
  lineStart: number,
  lineEnd: number,
  redactions: readonly Redaction[],
  focus: number,
): string {
  const spans = redactions
    .filter((r) => r.start < lineEnd && r.end > lineStart)
    .sort((a, b) => a.start - b.start);
  let out = '';
  let cursor = lineStart;
  let focusAt = -1;
  for (const r of spans) {
    const start = Math.max(r.start, lineStart);
    if (start >= cursor) {
      out += text.slice(cursor, start);
      // A span that begins on an earlier line keeps nothing: its prefix is not on this line.
      if (r.start >= lineStart) out += text.slice(start, start + Math.min(r.keep, 4));
      out += MARK;
    }
    if (focusAt === -1 && focus <= Math.max(r.end, cursor)) focusAt = out.length;
    cursor = Math.max(cursor, Math.min(r.end, lineEnd));
  }
  if (focusAt === -1) focusAt = out.length + Math.max(0, focus - cursor);
  out += text.slice(cursor, lineEnd);
  out = out.replace(/\t/g, ' ').replace(/[^\x20-\x7e]/g, '.');
  if (out.length <= EXCERPT_WIDTH) return out.trimEnd();
  const from = Math.max(0, Math.min(focusAt - 40, out.length - EXCERPT_WIDTH));
  const cut = out.slice(from, from + EXCERPT_WIDTH);
  return (from > 0 ? '…' : '') + cut + (from + EXCERPT_WIDTH < out.length ? '…' : '');
}
