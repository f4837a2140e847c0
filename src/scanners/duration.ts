import { GateError } from '../errors.js';

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `24h`, `7d`, `1h30m` → milliseconds. */
export function parseDuration(text: string): number {
  const parts = [...text.trim().matchAll(/(\d+)([smhdw])/g)];
  const whole = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || whole !== text.trim()) {
    throw new GateError('usage', `invalid duration "${text}": use e.g. 24h, 7d or 1h30m`);
  }
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_MS[unit!]!, 0);
}

/** Milliseconds as a Go duration (`86400s`), the form Grype's and Trivy's settings take. */
export function goDuration(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))}s`;
}
