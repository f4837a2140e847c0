import { crc32 } from 'node:zlib';

/** Shannon entropy of `s` in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Vendor documentation keys (AWS `...EXAMPLE`, `EXAMPLEKEY`) and obvious sample values. */
export function isExampleValue(v: string): boolean {
  return /example|sample|dummy|fake|placeholder|redacted|changeme|change_me|your[_-]?/i.test(v);
}

/**
 * Values that stand for a secret rather than being one: `${VAR}`, `$VAR`, `{{ var }}`, `<password>`,
 * `%s`, `xxxx`, `****`, runs of one character.
 */
export function isPlaceholder(v: string): boolean {
  if (/\$\{|\$\(|\{\{|\}\}|%\(|%[sd]\b|^\$[A-Za-z_]|^<.*>$|^\[.*\]$|^@.*@$|^__.*__$/.test(v))
    return true;
  if (/^(.)\1*$/.test(v) || /x{4,}|X{4,}|\*{3,}|\.{3,}|…/.test(v)) return true;
  return /^(?:null|none|nil|true|false|undefined|empty|string|secret|password|passwd|token|required|optional|todo|tbd)$/i.test(
    v,
  );
}

/** How many of lower case, upper case, digits and other characters `v` mixes. */
export function charClasses(v: string): number {
  return (
    Number(/[a-z]/.test(v)) +
    Number(/[A-Z]/.test(v)) +
    Number(/[0-9]/.test(v)) +
    Number(/[^A-Za-z0-9]/.test(v))
  );
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `n` in base 62 (digits, upper, lower case), left-padded with `0` to `width`. */
export function base62(n: number, width: number): string {
  let out = '';
  for (let v = n; v > 0; v = Math.floor(v / 62)) out = BASE62[v % 62]! + out;
  return out.padStart(width, '0');
}

/**
 * GitHub's and npm's token checksum: the last 6 characters are the CRC32 of the random part
 * before them, in base 62. Documentation samples (`ghp_16C7e42F…`) and hand-typed placeholders
 * fail it; 1 random string in 56 billion passes it by chance.
 */
export function hasCrc32Checksum(body: string): boolean {
  if (body.length < 7) return false;
  const random = body.slice(0, -6);
  return base62(crc32(Buffer.from(random, 'latin1')), 6) === body.slice(-6);
}

/** Decodes standard or URL-safe base64, or returns undefined when `s` is not base64. */
export function decodeBase64(s: string): Buffer | undefined {
  const t = s.replace(/=+$/, '');
  if (t.length < 4 || t.length % 4 === 1 || !/^[A-Za-z0-9+/_-]+$/.test(t)) return undefined;
  return Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/**
 * A run of `n` characters that climb one by one (`ABCDEF`, `456789`): how people type a sample
 * token (`github_pat_0A1B…ABCDEFGHIJ…`); a random token has one with negligible odds.
 */
export function hasSequence(s: string, n = 6): boolean {
  let run = 1;
  for (let i = 1; i < s.length; i++) {
    run = s.charCodeAt(i) === s.charCodeAt(i - 1) + 1 ? run + 1 : 1;
    if (run >= n) return true;
  }
  return false;
}
