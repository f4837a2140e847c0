import { plural } from './format.js';
import { escapeHtml, safeUrl, tableHeader } from './markdown-escape.js';

/*
 * A markdown report as blocks, so it can be shortened without breaking it: only table rows
 * are ever dropped, and every `<details>` that is opened is closed in the same string.
 */

/** A table inside a fold. Cells are already escaped; rows are in priority order. */
export interface MdTable {
  title?: string;
  header: string[];
  rows: string[];
}

/** A `<details>` block: a summary (plain text, escaped here), fixed blocks, droppable tables. */
export interface MdFold {
  summary: string;
  blocks: string[];
  tables: MdTable[];
  open?: boolean;
}

/**
 * One section (an image, or the merged findings): its verdict line (kept whatever the length),
 * fixed head blocks (the rules table), then folds.
 */
export interface MdSection {
  title: string;
  head: string[];
  folds: MdFold[];
}

export interface MdDoc {
  /** Blocks before the sections; the first is the overall verdict and is always kept. */
  top: string[];
  sections: MdSection[];
}

export interface FitOptions {
  maxLength?: number;
  detailsUrl?: string;
}

interface Rendered {
  text: string;
  omitted: number;
}

function renderTable(table: MdTable, cap: number): Rendered {
  const kept = table.rows.slice(0, cap);
  const omitted = table.rows.length - kept.length;
  const parts: string[] = [];
  if (table.title) parts.push(`**${table.title}**`);
  if (kept.length > 0) parts.push([...tableHeader(table.header), ...kept].join('\n'));
  // Its own paragraph: a line straight after a table would be parsed as one more row.
  if (omitted > 0) parts.push(`_… ${plural(omitted, 'more row')} not shown_`);
  return { text: parts.join('\n\n'), omitted };
}

function renderFold(fold: MdFold, cap: number): Rendered {
  const tables = fold.tables.map((t) => renderTable(t, cap));
  const body = [...fold.blocks, ...tables.map((t) => t.text)].filter((b) => b !== '');
  const open = fold.open ? '<details open>' : '<details>';
  // Blank lines around the body: GitHub only parses markdown inside <details> after one.
  const text = [
    `${open}<summary>${escapeHtml(fold.summary)}</summary>`,
    ...body,
    '</details>',
  ].join('\n\n');
  return { text, omitted: tables.reduce((n, t) => n + t.omitted, 0) };
}

function countRows(fold: MdFold): number {
  return fold.tables.reduce((n, t) => n + t.rows.length, 0);
}

function footer(omitted: number, detailsUrl: string | undefined): string {
  const where = detailsUrl ? `[the full report](${safeUrl(detailsUrl)})` : 'the job summary';
  const what = omitted > 0 ? `${plural(omitted, 'more finding')} not shown` : 'details not shown';
  return `… ${what}; see ${where}.`;
}

/** How much to keep: `cap` rows per table; fewer levels drop folds, then head blocks. */
type Level = { cap: number } | 'no-folds' | 'titles' | 'first';

function render(doc: MdDoc, level: Level, detailsUrl: string | undefined): string {
  const blocks: string[] = level === 'first' ? doc.top.slice(0, 1) : [...doc.top];
  let omitted = 0;
  doc.sections.forEach((section, i) => {
    const keepTitle = level !== 'first' || (i === 0 && doc.top.length === 0);
    if (keepTitle) blocks.push(section.title);
    if (typeof level === 'object' || level === 'no-folds') blocks.push(...section.head);
    for (const fold of section.folds) {
      if (typeof level !== 'object') {
        omitted += countRows(fold);
        continue;
      }
      const r = renderFold(fold, level.cap);
      blocks.push(r.text);
      omitted += r.omitted;
    }
  });
  if (omitted > 0 || typeof level !== 'object') blocks.push(footer(omitted, detailsUrl));
  return `${blocks.filter((b) => b !== '').join('\n\n')}\n`;
}

/** Cuts at a code point boundary; the last resort when even the verdict lines do not fit. */
function hardCut(text: string, maxLength: number): string {
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > maxLength) break;
    out += ch;
  }
  return out;
}

/**
 * Renders the whole document, or, when it is longer than `maxLength`, the most rows that fit:
 * every table keeps the same number of rows (so secrets do not crowd out vulnerabilities),
 * found by binary search because lengths grow with the cap. Then, in order: no folds; only the
 * verdict lines; only the first verdict line; a hard cut. The result never exceeds `maxLength`
 * and always ends with the note saying what was left out.
 */
export function renderDoc(doc: MdDoc, options: FitOptions = {}): string {
  const { maxLength, detailsUrl } = options;
  const maxRows = Math.max(
    0,
    ...doc.sections.flatMap((s) => s.folds.flatMap((f) => f.tables.map((t) => t.rows.length))),
  );
  const full = render(doc, { cap: maxRows }, detailsUrl);
  if (maxLength === undefined || full.length <= maxLength) return full;

  let best: string | undefined;
  let lo = 0;
  let hi = maxRows - 1;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const text = render(doc, { cap: mid }, detailsUrl);
    if (text.length <= maxLength) {
      best = text;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (best !== undefined) return best;
  for (const level of ['no-folds', 'titles', 'first'] as const) {
    const text = render(doc, level, detailsUrl);
    if (text.length <= maxLength) return text;
  }
  return hardCut(render(doc, 'first', detailsUrl), maxLength);
}
