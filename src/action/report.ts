import { renderMarkdownMany } from '../report/markdown.js';
import { codeSpan, escapeText } from '../report/markdown-escape.js';
import type { Verdict } from '../policy/verdict.js';
import { safeText } from '../redact.js';

/** An image the gate could not check (not found, unreadable, registry down). */
export interface ImageError {
  image: string;
  message: string;
}

const MESSAGE_LIMIT = 2000;

function errorBlock(errors: readonly ImageError[]): string {
  return errors
    .map((e) => {
      const message = [...safeText(e.message)].slice(0, MESSAGE_LIMIT).join('');
      return `### ❗ image-gate: ERROR — ${codeSpan(safeText(e.image))}\n\n${escapeText(message)}`;
    })
    .join('\n\n');
}

/**
 * The markdown of the whole run: the images that could not be checked first (they fail the
 * step whatever the others say), then the report of the verdicts, shortened by the renderer
 * to what is left of `maxLength`.
 */
export function renderRunMarkdown(
  verdicts: readonly Verdict[],
  errors: readonly ImageError[],
  options: { maxLength: number; detailsUrl?: string },
): string {
  const head = errors.length > 0 ? `${errorBlock(errors)}\n\n` : '';
  if (verdicts.length === 0) return [...head].slice(0, options.maxLength).join('');
  const room = Math.max(0, options.maxLength - head.length);
  return (
    head +
    renderMarkdownMany(verdicts, {
      maxLength: room,
      ...(options.detailsUrl ? { detailsUrl: options.detailsUrl } : {}),
    })
  );
}
