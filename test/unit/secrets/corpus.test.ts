import { describe, expect, test } from 'vitest';
import { SecretScanner, type SecretHit } from '../../../src/analyze/secrets/index.js';
import { negatives, positives, prng, type CorpusFile } from './corpus.js';

const scanner = new SecretScanner();
const scan = (f: CorpusFile): SecretHit[] => scanner.scanBuffer(Buffer.from(f.content, 'latin1'));

/** Hits that explain a planted secret: right line, one of its detectors. */
function covers(hit: SecretHit, f: CorpusFile): boolean {
  return f.secrets.some((s) => s.line === hit.line && s.detectors.includes(hit.detector));
}

describe('labelled corpus', () => {
  const pos = positives();
  const neg = negatives();

  test('recall is at least 95 % and precision is reported', () => {
    let planted = 0;
    let found = 0;
    let truePositives = 0;
    let falsePositives = 0;
    const missed: string[] = [];
    for (const f of pos) {
      const hits = scan(f);
      for (const h of hits) {
        if (covers(h, f)) truePositives++;
        else falsePositives++;
      }
      // A multi-line secret (a key body) counts once per file, others once per value.
      const units = new Map<string, boolean>();
      for (const s of f.secrets) {
        const key = s.detectors.includes('private-key') ? `key:${s.line}` : s.value;
        const hit = hits.some((h) => h.line === s.line && s.detectors.includes(h.detector));
        units.set(key, (units.get(key) ?? false) || hit);
      }
      for (const [key, hit] of units) {
        planted++;
        if (hit) found++;
        else missed.push(`${f.name} ${key.slice(0, 4)}`);
      }
    }
    for (const f of neg) falsePositives += scan(f).length;
    const recall = found / planted;
    const precision = truePositives / (truePositives + falsePositives);
    console.log(
      `corpus: ${planted} planted secrets in ${pos.length} files, recall ${(recall * 100).toFixed(1)} %, ` +
        `precision ${(precision * 100).toFixed(1)} % over ${pos.length + neg.length} files` +
        (missed.length > 0 ? `; missed ${missed.join(', ')}` : ''),
    );
    expect(recall).toBeGreaterThanOrEqual(0.95);
    expect(planted).toBeGreaterThan(50);
  });

  test.each(neg.map((f) => [f.name, f] as const))('no finding in negative %s', (_, f) => {
    expect(scan(f).map((h) => `${h.detector}:${h.line} ${h.excerpt}`)).toEqual([]);
  });

  test('no hit field holds a secret or 8 characters of one', () => {
    const leaks: string[] = [];
    for (const f of pos) {
      for (const h of scan(f)) {
        const fields = [h.detector, h.title, String(h.line), h.excerpt].join('\n');
        for (const s of f.secrets) {
          for (let i = 0; i + 8 <= s.value.length; i++) {
            if (fields.includes(s.value.slice(i, i + 8))) leaks.push(`${f.name}:${h.line}`);
          }
        }
        expect(h.excerpt.length).toBeLessThanOrEqual(122);
      }
    }
    expect(leaks).toEqual([]);
  });

  test('streaming in chunks of any size finds the same hits as a whole scan', () => {
    const rnd = prng(7);
    for (const f of pos) {
      const content = Buffer.from(f.content, 'latin1');
      const whole = scanner.scanBuffer(content);
      for (const maxChunk of [1, 3, 17, 500, 5000]) {
        const stream = scanner.createStream();
        for (let i = 0; i < content.length;) {
          const n = 1 + Math.floor(rnd() * maxChunk);
          stream.write(content.subarray(i, i + n));
          i += n;
        }
        expect(stream.end(), `${f.name} chunks ≤ ${maxChunk}`).toEqual(whole);
      }
    }
  });
});
