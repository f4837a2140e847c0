/** Narrowing helpers for reading scanner JSON, which is `unknown` until proven otherwise. */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at `value`, or an empty one: absent sections are common in older reports. */
export function obj(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

/** The array at `value`, or an empty one: Trivy and Grype omit empty lists (or write null). */
export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A non-empty string, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Non-empty strings of an array, in order, without duplicates. */
export function strings(value: unknown): string[] {
  return unique(
    arr(value)
      .map(str)
      .filter((s): s is string => s !== undefined),
  );
}

export function unique<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

/** `"1.2, 1.3"` → `["1.2", "1.3"]`: both scanners pack several fixed versions into one string. */
export function splitVersions(value: string | undefined): string[] {
  if (value === undefined) return [];
  return unique(
    value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  );
}

export function present<T>(value: T | undefined): value is T {
  return value !== undefined;
}

/** The entries of `o` whose value is defined, so optional fields stay absent, not `undefined`. */
export function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** `CVSS:3.1/AV:N/...` → `3.1`; undefined for vectors without the prefix (CVSS v2). */
export function versionOf(vector: string | undefined): string | undefined {
  return /^CVSS:(\d+(?:\.\d+)?)\//.exec(vector ?? '')?.[1];
}
