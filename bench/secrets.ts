// Throughput of the secret scanner on ordinary content.
//   npx esbuild bench/secrets.ts --bundle --platform=node --format=esm --outfile=/tmp/bench-secrets.mjs
//   node /tmp/bench-secrets.mjs [max-MB] [dir...]
// Files are read into memory first so that only scanning is timed. Findings are printed by
// detector, path and line only: never an excerpt, since host files may hold real secrets.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretScanner } from '../src/analyze/secrets/index.js';

const capMb = Number(process.argv[2] ?? 2000);
const roots = process.argv.length > 3 ? process.argv.slice(3) : ['/usr/lib', '/usr/share'];

const files: Array<{ path: string; data: Buffer }> = [];
let total = 0;
function walk(dir: string): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (total >= capMb * 1e6) return;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.isFile()) {
      try {
        const data = readFileSync(p);
        files.push({ path: p, data });
        total += data.length;
      } catch {
        // unreadable: skip
      }
    }
  }
}
for (const r of roots) walk(r);
console.log(`${files.length} files, ${(total / 1e6).toFixed(0)} MB from ${roots.join(' ')}`);

const scanner = new SecretScanner();
type Scan = (data: Buffer) => Array<{ detector: string; line: number; excerpt: string }>;
// SHOW_EXCERPTS=1 prints the (redacted) excerpts, for chasing false positives during development.
const showExcerpts = process.env['SHOW_EXCERPTS'] === '1';
function run(label: string, scan: Scan, list: boolean): void {
  scan(files[0]?.data ?? Buffer.alloc(0));
  const findings: string[] = [];
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (const f of files) {
    for (const h of scan(f.data)) {
      findings.push(`${h.detector} ${f.path}:${h.line}${showExcerpts ? ' ' + h.excerpt : ''}`);
    }
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  // CPU time too: on a shared machine the wall clock also measures the neighbours.
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  console.log(
    `${label}: ${(total / 1e6 / s).toFixed(0)} MB/s (${s.toFixed(2)} s), ` +
      `${(total / 1e6 / cpu).toFixed(0)} MB per CPU-second, ${findings.length} findings`,
  );
  if (!list) return;
  const byDetector = new Map<string, number>();
  for (const f of findings)
    byDetector.set(f.split(' ')[0]!, (byDetector.get(f.split(' ')[0]!) ?? 0) + 1);
  console.log([...byDetector].map(([d, n]) => `${d}=${n}`).join(' '));
  for (const f of findings.slice(0, Number(process.env['LIST'] ?? 50))) console.log(`  ${f}`);
}

run('scanBuffer', (d) => scanner.scanBuffer(d), true);
run(
  'stream 64 KiB chunks',
  (d) => {
    const st = scanner.createStream();
    for (let i = 0; i < d.length; i += 65536) st.write(d.subarray(i, i + 65536));
    return st.end();
  },
  false,
);
