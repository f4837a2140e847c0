import type { DetectorMatch } from '../types.js';

/**
 * Runs `re` (flags `gd`, group 1 = the secret) over `line` and turns each accepted match into a
 * DetectorMatch. `keep` is how many leading characters of the secret stay visible (a fixed
 * vendor prefix such as `ghp_`).
 */
export function matchGroup(
  line: string,
  re: RegExp,
  keep: number,
  accept: (secret: string, m: RegExpExecArray) => boolean = () => true,
): DetectorMatch[] {
  const out: DetectorMatch[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    const span = m.indices?.[1];
    const secret = m[1];
    if (span === undefined || secret === undefined) continue;
    if (!accept(secret, m)) continue;
    out.push({ at: span[0], start: span[0], end: span[1], keep: Math.min(keep, 4) });
  }
  return out;
}
