// Scores findings against the labelled corpus: recall and false positives per family. Shared by
// the unit test (our scanner) and test/secrets/compare-trivy.ts (Trivy's secret scanner).
import type { CorpusItem } from './corpus.js';

/** A finding reduced to what scoring needs: where, and which detector (ours) or rule (Trivy's). */
export interface Located {
  line: number;
  detector: string;
}

export interface FamilyScore {
  planted: number;
  found: number;
  /** Findings that explain no planted secret, charged to the family of their item. */
  falsePositives: number;
}

export interface Score {
  families: Map<string, FamilyScore>;
  /** False positives on hard negatives, by kind of look-alike. */
  negatives: Map<string, number>;
  missed: string[];
}

/**
 * `findingsOf` returns the findings for one item. `strictDetector`: a planted secret only counts
 * as found by one of its own detector ids (ours); otherwise any finding on its line counts (a
 * foreign scanner's rule names differ).
 */
export function score(
  positives: CorpusItem[],
  negatives: CorpusItem[],
  findingsOf: (item: CorpusItem) => Located[],
  strictDetector: boolean,
): Score {
  const families = new Map<string, FamilyScore>();
  const fam = (f: string): FamilyScore => {
    let s = families.get(f);
    if (s === undefined) families.set(f, (s = { planted: 0, found: 0, falsePositives: 0 }));
    return s;
  };
  const missed: string[] = [];
  for (const item of positives) {
    const hits = findingsOf(item);
    // A foreign scanner may place a multi-line secret (a PEM) on any of its lines: its finding
    // counts for the nearest planted secret at or above it, up to a PEM's length away.
    const nearest = (h: Located): number =>
      Math.max(
        -1,
        ...item.secrets.map((s) => s.line).filter((l) => l <= h.line && h.line - l <= 60),
      );
    const explains = (h: Located, s: CorpusItem['secrets'][number]): boolean =>
      strictDetector
        ? h.line === s.line && s.detectors.includes(h.detector)
        : nearest(h) === s.line;
    for (const s of item.secrets) {
      fam(s.family).planted++;
      if (hits.some((h) => explains(h, s))) fam(s.family).found++;
      else missed.push(`${s.family} ${item.place}:${item.name}:${s.line}`);
    }
    for (const h of hits) {
      if (!item.secrets.some((s) => explains(h, s)))
        fam(item.secrets[0]?.family ?? 'unknown').falsePositives++;
    }
  }
  const negs = new Map<string, number>();
  for (const item of negatives) {
    const n = findingsOf(item).length;
    negs.set(item.negative ?? 'negative', (negs.get(item.negative ?? 'negative') ?? 0) + n);
  }
  return { families, negatives: negs, missed };
}

/** A fixed-width table: family, then one recall/FP column pair per scanner. */
export function table(scores: Array<{ name: string; score: Score }>): string {
  const families = [...new Set(scores.flatMap((s) => [...s.score.families.keys()]))].sort();
  const head = [
    'family'.padEnd(22),
    ...scores.map((s) => `${s.name} recall`.padStart(18) + ' FP'.padStart(5)),
  ];
  const rows = [head.join('')];
  const total = scores.map(() => ({ planted: 0, found: 0, fp: 0 }));
  for (const f of families) {
    const cells = scores.map((s, i) => {
      const v = s.score.families.get(f) ?? { planted: 0, found: 0, falsePositives: 0 };
      total[i]!.planted += v.planted;
      total[i]!.found += v.found;
      total[i]!.fp += v.falsePositives;
      return `${v.found}/${v.planted}`.padStart(18) + String(v.falsePositives).padStart(5);
    });
    rows.push(f.padEnd(22) + cells.join(''));
  }
  const negKinds = [...new Set(scores.flatMap((s) => [...s.score.negatives.keys()]))].sort();
  for (const k of negKinds) {
    const cells = scores.map((s, i) => {
      const n = s.score.negatives.get(k) ?? 0;
      total[i]!.fp += n;
      return ''.padStart(18) + String(n).padStart(5);
    });
    rows.push(`neg: ${k}`.padEnd(22) + cells.join(''));
  }
  rows.push(
    'TOTAL'.padEnd(22) +
      total
        .map(
          (t) =>
            `${t.found}/${t.planted} ${((100 * t.found) / Math.max(1, t.planted)).toFixed(0)}%`.padStart(
              18,
            ) + String(t.fp).padStart(5),
        )
        .join(''),
  );
  return rows.join('\n');
}
