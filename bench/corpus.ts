// Recall and false positives on the labelled secrets corpus (test/unit/secrets/corpus.ts):
// image-gate's secret scanner next to Trivy's (`trivy fs --scanners secret`), on the same files.
//   npx esbuild bench/corpus.ts --bundle --platform=node --format=esm --outfile=/tmp/bench-corpus.mjs
//   node /tmp/bench-corpus.mjs TRIVY WORKDIR
// A planted secret counts as found when a hit overlaps its lines (ours: with one of its detectors,
// as in corpus.test.ts; Trivy's rule ids differ, so any of its rules, StartLine..EndLine).
// Multi-line keys count once. Only counts and file names are printed: never a secret.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretScanner } from '../src/analyze/secrets/index.js';
import {
  negatives,
  positives,
  type CorpusFile,
  type Planted,
} from '../test/unit/secrets/corpus.js';

const [trivy, work] = process.argv.slice(2);
if (!trivy || !work) throw new Error('usage: bench-corpus.mjs TRIVY WORKDIR');

interface Hit {
  from: number;
  to: number;
  detector?: string;
}

const pos = positives();
const neg = negatives();
const name = (kind: string, i: number, f: CorpusFile) =>
  `${kind}-${String(i).padStart(3, '0')}-${f.name.replace(/[^A-Za-z0-9._-]/g, '_')}`;
const dir = join(work, 'corpus');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const files = new Map<string, CorpusFile>();
pos.forEach((f, i) => files.set(name('pos', i, f), f));
neg.forEach((f, i) => files.set(name('neg', i, f), f));
for (const [n, f] of files) writeFileSync(join(dir, n), Buffer.from(f.content, 'latin1'));

const scanner = new SecretScanner();
const t0 = process.hrtime.bigint();
const ours = new Map<string, Hit[]>();
for (const [n, f] of files) {
  ours.set(
    n,
    scanner
      .scanBuffer(Buffer.from(f.content, 'latin1'))
      .map((h) => ({ from: h.line, to: h.line, detector: h.detector })),
  );
}
const oursSecs = Number(process.hrtime.bigint() - t0) / 1e9;

const t1 = process.hrtime.bigint();
const out = execFileSync(
  trivy,
  [
    'fs',
    '--scanners',
    'secret',
    '--format',
    'json',
    '--cache-dir',
    join(work, 'trivy-cache'),
    '--skip-version-check',
    '--disable-telemetry',
    '--no-progress',
    '--quiet',
    dir,
  ],
  { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, cwd: work },
);
const trivySecs = Number(process.hrtime.bigint() - t1) / 1e9;
const theirs = new Map<string, Hit[]>();
const report = JSON.parse(out) as {
  Results?: { Target: string; Secrets?: { StartLine: number; EndLine: number }[] }[];
};
for (const r of report.Results ?? []) {
  const n = r.Target.split('/').pop()!;
  theirs.set(
    n,
    (r.Secrets ?? []).map((s) => ({ from: s.StartLine, to: s.EndLine })),
  );
}

function score(hits: Map<string, Hit[]>) {
  let planted = 0;
  let found = 0;
  let falsePositives = 0;
  let noisyNegatives = 0;
  const missedFiles = new Set<string>();
  for (const [n, f] of files) {
    const hs = hits.get(n) ?? [];
    // A PEM block is planted as one Planted per body line, all at the BEGIN line L: the block
    // spans L..L+n+1. Trivy reports the body's lines, we report L.
    const span = (s: Planted) =>
      s.detectors.includes('private-key')
        ? f.secrets.filter((o) => o.line === s.line && o.detectors.includes('private-key')).length +
          1
        : 0;
    const covers = (h: Hit, s: Planted) =>
      h.from <= s.line + span(s) &&
      s.line <= h.to &&
      (h.detector === undefined || s.detectors.includes(h.detector));
    falsePositives += hs.filter((h) => !f.secrets.some((s) => covers(h, s))).length;
    if (f.secrets.length === 0 && hs.length > 0) noisyNegatives++;
    const units = new Map<string, boolean>();
    for (const s of f.secrets) {
      const key = s.detectors.includes('private-key') ? `key:${s.line}` : s.value;
      const hit = hs.some((h) => covers(h, s));
      units.set(key, (units.get(key) ?? false) || hit);
    }
    for (const hit of units.values()) {
      planted++;
      if (hit) found++;
      else missedFiles.add(f.name);
    }
  }
  return { planted, found, falsePositives, noisyNegatives, missedFiles: [...missedFiles] };
}

const a = score(ours);
const b = score(theirs);
const pct = (x: number, y: number) => `${((100 * x) / y).toFixed(1)} %`;
console.log(
  `secrets corpus: ${pos.length} files with ${a.planted} planted secrets, ${neg.length} look-alike files`,
);
for (const [label, s, secs] of [
  ['image-gate', a, oursSecs],
  ['trivy fs --scanners secret', b, trivySecs],
] as const) {
  console.log(
    `  ${label.padEnd(27)} recall ${pct(s.found, s.planted)} (${s.found}/${s.planted})  ` +
      `false positives ${s.falsePositives} (${s.noisyNegatives} of ${neg.length} look-alike files flagged)  ` +
      `${secs.toFixed(2)} s`,
  );
  if (s.missedFiles.length > 0)
    console.log(
      `    missed in: ${s.missedFiles.slice(0, 30).join(', ')}${s.missedFiles.length > 30 ? ', …' : ''}`,
    );
}
if (!process.env.KEEP_CORPUS) rmSync(dir, { recursive: true, force: true });
