import { showControl } from './format.js';

/*
 * Everything taken from an image (paths, excerpts, env names, package names) and the rule
 * summaries that quote it is attacker-controlled and ends up in a PR comment. These helpers
 * make sure such text renders as the literal characters it contains: no tables broken by `|`,
 * no raw HTML (`<script>`, a stray `</details>`), no links, no emphasis, no lines split.
 */

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
};

/** For text inside HTML (`<summary>`), where markdown is not parsed. */
export function escapeHtml(text: string): string {
  return showControl(text).replace(/[&<>"]/g, (c) => HTML_ENTITIES[c]!);
}

/**
 * For markdown inline text, also inside table cells. Backslash-escapes the characters that
 * make emphasis, code, links, strikethrough, math or a cell boundary (GFM splits cells on `|`
 * before inline parsing and honours `\|` there); `<`, `>` and `&` become entities so no HTML
 * tag or entity can form. Other punctuation stays readable in the raw text: `#`, `-`, `+` and
 * `1.` only matter at the start of a line, and escaped text is only ever placed mid-line.
 */
export function escapeMarkdown(text: string): string {
  return showControl(text)
    .replace(/[\\`*_[\]|~$]/g, '\\$&')
    .replace(/[&<>"]/g, (c) => HTML_ENTITIES[c]!);
}

/**
 * Plain text that a person reads, such as a rule summary. Also breaks `@name` so that a package
 * like `@angular/core` in a PR comment does not notify a GitHub user or team.
 */
export function escapeText(text: string): string {
  return escapeMarkdown(text).replace(/@(?=[A-Za-z0-9])/g, '@\u200b');
}

/**
 * Monospace inline code. `<code>` (not backticks) because its content is ordinary escaped
 * inline text: backtick spans cannot escape `|` portably and would keep a raw `<`.
 */
export function code(text: string): string {
  if (text === '') return '';
  return `<code>${escapeMarkdown(text)}</code>`;
}

/**
 * A backtick code span for text that is not image-derived (the reference the workflow gave).
 * The fence is one backtick longer than any run inside, as CommonMark requires.
 */
export function codeSpan(text: string): string {
  const visible = showControl(text);
  const longest = Math.max(0, ...(visible.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = visible.startsWith('`') || visible.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${visible}${pad}${fence}`;
}

/** A link target the workflow supplied; characters that would end the link are encoded. */
export function safeUrl(url: string): string {
  return url.replace(
    /[\s()<>[\]]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

/** One markdown table row; cells are already escaped. */
export function tableRow(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

export function tableHeader(cells: readonly string[]): string[] {
  return [tableRow(cells), tableRow(cells.map(() => '---'))];
}
