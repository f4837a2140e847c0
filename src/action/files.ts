import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Verdict } from '../policy/verdict.js';
import { renderJson } from '../report/json.js';
import { renderSarif } from '../report/sarif.js';
import type { ActionConfig } from './config.js';

/** The JSON report of every image (always, in RUNNER_TEMP) and SARIF where asked. */
export async function writeReports(
  config: ActionConfig,
  verdicts: readonly Verdict[],
  env: Record<string, string | undefined>,
): Promise<{ report?: string; sarif?: string }> {
  if (verdicts.length === 0) return {};
  const dir = await mkdtemp(join(env.RUNNER_TEMP || tmpdir(), 'image-gate-'));
  const report = join(dir, 'report.json');
  await writeFile(report, renderJson(verdicts));
  if (!config.sarif) return { report };
  const sarif = resolve(config.sarif);
  await mkdir(dirname(sarif), { recursive: true });
  await writeFile(sarif, renderSarif(verdicts));
  return { report, sarif };
}
