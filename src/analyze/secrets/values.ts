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
