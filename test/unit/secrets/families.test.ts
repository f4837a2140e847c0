import { beforeAll, describe, expect, test } from 'vitest';
import { SecretScanner, type SecretHit } from '../../../src/analyze/secrets/index.js';
import { negatives, positives, type CorpusItem } from '../../secrets/corpus.js';
import { score, table, type Located } from '../../secrets/score.js';

const scanner = new SecretScanner();

/** Files are streamed in odd-sized chunks, as layers are; config strings are scanned whole. */
function scan(item: CorpusItem): SecretHit[] {
  if (item.place !== 'file' && item.place !== 'deleted') {
    return scanner.scanString(item.content.toString('utf8'));
  }
  const stream = scanner.createStream();
  for (let i = 0; i < item.content.length; i += 4093) {
    stream.write(item.content.subarray(i, i + 4093));
  }
  return stream.end();
}

const located = (item: CorpusItem): Located[] =>
  scan(item).map((h) => ({ line: h.line, detector: h.detector }));

describe('realistic labelled corpus', () => {
  let pos: CorpusItem[];
  let neg: CorpusItem[];
  beforeAll(() => {
    pos = positives();
    neg = negatives();
  }, 60_000);

  test('finds every planted secret, with its own detector, and nothing else', () => {
    const s = score(pos, neg, located, true);
    console.log(`\n${table([{ name: 'image-gate', score: s }])}`);
    expect(s.missed).toEqual([]);
    const falsePositives = [
      ...[...s.families].filter(([, f]) => f.falsePositives > 0).map(([k]) => k),
      ...[...s.negatives].filter(([, n]) => n > 0).map(([k]) => `negative: ${k}`),
    ];
    expect(falsePositives).toEqual([]);
    expect([...s.families.keys()].length).toBeGreaterThanOrEqual(40);
  });

  test('hard negatives stay silent, one by one', () => {
    const noisy = neg
      .map((item) => [item, scan(item)] as const)
      .filter(([, hits]) => hits.length > 0)
      .map(
        ([item, hits]) => `${item.name}: ${hits.map((h) => `${h.detector}:${h.line}`).join(' ')}`,
      );
    expect(noisy).toEqual([]);
  });

  test('no finding shows 8 characters of a planted secret', () => {
    const leaks: string[] = [];
    for (const item of pos) {
      for (const h of scan(item)) {
        const shown = [h.detector, h.title, h.excerpt].join('\n');
        for (const s of item.secrets) {
          for (let i = 0; i + 8 <= s.value.length; i++) {
            if (shown.includes(s.value.slice(i, i + 8))) {
              leaks.push(`${item.name}:${h.line} ${h.detector}`);
              break;
            }
          }
        }
      }
    }
    expect(leaks).toEqual([]);
  });

  test('a whole-buffer scan and a stream in 1-byte chunks agree', () => {
    for (const item of pos.filter((i) => i.place === 'file' && i.content.length < 20_000)) {
      const whole = scanner.scanBuffer(item.content).map((h) => `${h.detector}:${h.line}`);
      const stream = scanner.createStream();
      for (let i = 0; i < item.content.length; i++) stream.write(item.content.subarray(i, i + 1));
      expect(
        stream.end().map((h) => `${h.detector}:${h.line}`),
        item.name,
      ).toEqual(whole);
    }
  });
});
