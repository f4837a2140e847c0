/**
 * The closest allowed word to a mistyped one, for "did you mean" hints; undefined when nothing
 * is close enough to be a plausible typo.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  // Spelling variants (`non_root`, `nonRoot`, `High`) are the commonest mistake: catch them
  // before counting edits, since `allowPaths` is two edits from `allow-paths`.
  const norm = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');
  const same = candidates.find((c) => norm(c) === norm(word));
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  // One edit per three characters: `hgih` → `high`, but `foo` is not a typo of `low`; and a
  // word must keep something of itself (`x` is not a typo of `a`).
  const limit = Math.max(1, Math.floor((best?.length ?? 0) / 3));
  if (
    best === undefined ||
    bestDistance > limit ||
    bestDistance >= Math.min(word.length, best.length)
  ) {
    return undefined;
  }
  return best;
}

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions (`hgih`). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0]!.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]!.push(d);
    }
  }
  return rows[a.length]![b.length]!;
}

/** `did you mean "x"?` as a parenthesised suffix, or nothing. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const hint = closest(word, candidates);
  return hint === undefined ? '' : ` (did you mean "${hint}"?)`;
}
