import { appendFile } from 'node:fs/promises';

/**
 * The runner refuses a step summary over 1 MiB (bytes). Markdown lengths are counted in UTF-16
 * units, and one unit is at most 3 bytes of UTF-8, so this many units always fit.
 */
export const SUMMARY_LIMIT = Math.floor((1024 * 1024 - 1024) / 3);

/** Appends to the file at GITHUB_STEP_SUMMARY; without one (outside Actions), does nothing. */
export async function appendStepSummary(
  path: string | undefined,
  markdown: string,
): Promise<boolean> {
  if (!path) return false;
  await appendFile(path, markdown.endsWith('\n') ? markdown : `${markdown}\n`, 'utf8');
  return true;
}
