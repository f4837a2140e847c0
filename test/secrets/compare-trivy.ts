// Runs image-gate's secret scanner and Trivy's (`trivy fs --scanners secret`) on the same
// labelled corpus and prints recall and false positives per family side by side.
//   bash test/secrets/compare-trivy.sh [path/to/trivy]
// Every corpus item is written as a file (env, history and label items hold their string), under
// pos/<n>/ or neg/<n>/ plus the item's image path, so both scanners see the same bytes. Only
// locations and rule ids are printed, never an excerpt.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SecretScanner } from '../../src/analyze/secrets/index.js';
import { negatives, positives, type CorpusItem } from './corpus.js';
import { score, table, type Located } from './score.js';

interface TrivyReport {
  Results?: Array<{
    Target: string;
    Secrets?: Array<{ RuleID: string; StartLine: number }>;
  }>;
}

const trivy = process.argv[2] ?? '/root/.cache/image-gate-tools/trivy-0.74.0/trivy';
const pos = positives();
const neg = negatives();
const root = mkdtempSync(join(tmpdir(), 'ig-secrets-corpus-'));
const pathOf = new Map<CorpusItem, string>();
const place = (items: CorpusItem[], dir: string): void => {
  items.forEach((item, i) => {
    const name =
      item.place === 'file' || item.place === 'deleted'
        ? item.name
        : `/config/${item.place}/${item.name.replace(/[^\w.-]/g, '_')}`;
    const rel = join(dir, String(i), name);
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), item.content);
    pathOf.set(item, rel);
  });
};
place(pos, 'pos');
place(neg, 'neg');

try {
  const out = execFileSync(
    trivy,
    [
      'fs',
      '--scanners',
      'secret',
      '--format',
      'json',
      '--quiet',
      '--cache-dir',
      join(root, '.cache'),
      root,
    ],
    { maxBuffer: 256 << 20, env: { ...process.env, TRIVY_DISABLE_VEX_NOTICE: '1' } },
  );
  const report = JSON.parse(out.toString('utf8')) as TrivyReport;
  const byPath = new Map<string, Located[]>();
  for (const r of report.Results ?? []) {
    byPath.set(
      r.Target.replace(/^\/+/, ''),
      (r.Secrets ?? []).map((s) => ({ line: s.StartLine, detector: `trivy:${s.RuleID}` })),
    );
  }
  const trivyScore = score(pos, neg, (item) => byPath.get(pathOf.get(item)!) ?? [], false);

  const scanner = new SecretScanner();
  const ours = score(
    pos,
    neg,
    (item) =>
      (item.place === 'file' || item.place === 'deleted'
        ? scanner.scanBuffer(item.content)
        : scanner.scanString(item.content.toString('utf8'))
      ).map((h) => ({ line: h.line, detector: h.detector })),
    true,
  );
  console.log(`corpus: ${pos.length} positive items, ${neg.length} hard negatives (${root})`);
  console.log(
    table([
      { name: 'image-gate', score: ours },
      { name: 'trivy', score: trivyScore },
    ]),
  );
  console.log(`\ntrivy missed:\n  ${trivyScore.missed.join('\n  ')}`);
} finally {
  if (process.env['KEEP'] !== '1') rmSync(root, { recursive: true, force: true });
}
