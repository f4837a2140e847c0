// Writes a Docker build context that plants the labelled corpus in an image, where images leak
// secrets: files (COPY), files a later layer deletes (COPY, then RUN rm), Env (ENV), build history
// (a RUN whose command holds the text) and labels (LABEL). Also writes expected.json: for each
// planted secret, where the scanner must report it. Used by test/secrets/build-image.sh.
//   node image-context.mjs OUTDIR
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { positives, type CorpusItem } from './corpus.js';

export interface Expected {
  kind: 'file' | 'env' | 'history' | 'label';
  /** File path, env variable or label key; for history, the text the command holds. */
  where: string;
  line: number;
  family: string;
  detectors: string[];
  /** The planted secret (test data), for the check that no output shows it. */
  value: string;
}

const out = process.argv[2];
if (out === undefined) throw new Error('usage: image-context OUTDIR');

/** A Dockerfile double-quoted string: `\`, `"` and `$` escaped (ENV and LABEL expand `$`). */
const dq = (s: string): string => `"${s.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
/** A shell single-quoted string. */
const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

const lines = ['FROM image-gate-test/base-a:latest', 'COPY files/ /', 'COPY deleted/ /'];
const expected: Expected[] = [];
const removed: string[] = [];
const text = (item: CorpusItem): string => item.content.toString('utf8').replace(/\n$/, '');
const expect = (item: CorpusItem, kind: Expected['kind'], where: string): void => {
  for (const s of item.secrets)
    expected.push({
      kind,
      where,
      line: s.line,
      family: s.family,
      detectors: s.detectors,
      value: s.value,
    });
};

for (const item of positives()) {
  if (item.place === 'file' || item.place === 'deleted') {
    const dir = item.place === 'file' ? 'files' : 'deleted';
    const path = join(out, dir, item.name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, item.content);
    if (item.place === 'deleted') removed.push(item.name);
    expect(item, 'file', item.name);
  } else if (text(item).includes('\n')) {
    // A Dockerfile instruction is one line: multi-line values are covered by the unit corpus.
    continue;
  } else if (item.place === 'env') {
    const [name = '', ...rest] = text(item).split('=');
    lines.push(`ENV ${name}=${dq(rest.join('='))}`);
    expect(item, 'env', name);
  } else if (item.place === 'label') {
    const [key = '', ...rest] = text(item).split('=');
    lines.push(`LABEL ${dq(key)}=${dq(rest.join('='))}`);
    expect(item, 'label', key);
  } else {
    lines.push(`RUN : ${sq(text(item))}`);
    expect(item, 'history', text(item));
  }
}
mkdirSync(join(out, 'files'), { recursive: true });
mkdirSync(join(out, 'deleted'), { recursive: true });
lines.push(`RUN rm -f ${removed.map(sq).join(' ')}`, 'USER 1000');
writeFileSync(join(out, 'Dockerfile'), lines.join('\n') + '\n');
writeFileSync(join(out, 'expected.json'), JSON.stringify(expected, null, 2));
console.log(`${expected.length} planted secrets, ${lines.length} instructions`);
