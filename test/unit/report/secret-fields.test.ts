import { expect, test } from 'vitest';
import type { SecretFinding } from '../../../src/analyze/types.js';
import { renderJson } from '../../../src/report/json.js';
import { renderMarkdown, renderMarkdownMany } from '../../../src/report/markdown.js';
import { renderSarif } from '../../../src/report/sarif.js';
import { renderTable } from '../../../src/report/table.js';
import { rules, secret, verdict } from './builders.js';

/*
 * A SecretFinding is redacted at the source, but the reports are the last line of defence:
 * they print only its declared fields, so a field someone adds later (say, the raw match)
 * cannot reach a PR comment, a log or a code scanning alert.
 */
test('renderers print no secret-finding field beyond the declared ones', () => {
  const CANARY = 'CANARY-not-for-print-8f3a';
  const leaky = {
    ...secret(),
    secret: CANARY,
    match: CANARY,
    raw: { value: CANARY },
  } as SecretFinding;
  const v = verdict({ rules: [rules.secrets([leaky])] });
  const outputs = {
    json: renderJson(v),
    jsonMany: renderJson([v, v]),
    table: renderTable(v),
    markdown: renderMarkdown(v),
    markdownMany: renderMarkdownMany([v, v]),
    sarif: renderSarif(v),
  };
  for (const [name, text] of Object.entries(outputs)) {
    expect(text, name).not.toContain(CANARY);
    expect(text, name).toContain('AKIA');
  }
});
