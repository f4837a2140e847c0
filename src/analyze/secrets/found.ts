/**
 * The values of the secrets found so far in this process, so that a later quote of one is masked
 * wherever it appears (src/redact.ts): a token found in a file's content must not be printed
 * when the same string is also a directory name, a label value, or a bare argument, places where
 * no detector would recognise it on its own. Values only ever leave this module as `****`.
 *
 * Bounded: a pathological image with more distinct secrets than MAX still gets every detector
 * span masked; only this cross-reference stops growing.
 */
const MAX = 10_000;
/** Shorter values would mask ordinary words. */
const MIN_LENGTH = 8;
const values = new Set<string>();
/** The remembered values by their first MIN_LENGTH characters, for texts checked against many. */
const byPrefix = new Map<string, string[]>();
/** Up to this many values, a text is searched once per value; beyond, in one pass. */
const FEW = 32;

/** Remembers a found secret; a multi-line one (a PEM body) line by line. */
export function rememberSecret(value: string): void {
  for (const part of value.split(/\r?\n|\\r\\n|\\n/)) {
    const v = part.trim();
    // Printable ASCII only: the scanner decodes bytes as latin1, printed text is UTF-16. A
    // 64-hex value is left to the detectors: remembered, a planted copy of a layer digest would
    // blank that digest out of every report.
    if (v.length < MIN_LENGTH || !/^[\x21-\x7e]+$/.test(v) || /^[0-9a-f]{64}$/.test(v)) continue;
    if (values.size >= MAX || values.has(v)) continue;
    values.add(v);
    const key = v.slice(0, MIN_LENGTH);
    // Longest first: a value that extends another is masked whole.
    byPrefix.set(
      key,
      [...(byPrefix.get(key) ?? []), v].sort((x, y) => y.length - x.length),
    );
  }
}

/**
 * `text` with every remembered secret replaced by `****`. With many values (an image full of
 * secrets, or one built to slow us down) the text is walked once, looking each position's
 * prefix up, instead of being searched once per value.
 */
export function maskFoundSecrets(text: string): string {
  if (values.size <= FEW) {
    let out = text;
    for (const v of values) if (out.includes(v)) out = out.split(v).join('****');
    return out;
  }
  let out = '';
  let last = 0;
  for (let i = 0; i + MIN_LENGTH <= text.length;) {
    const hit = byPrefix.get(text.slice(i, i + MIN_LENGTH))?.find((v) => text.startsWith(v, i));
    if (hit === undefined) {
      i++;
      continue;
    }
    out += `${text.slice(last, i)}****`;
    i += hit.length;
    last = i;
  }
  return out + text.slice(last);
}
