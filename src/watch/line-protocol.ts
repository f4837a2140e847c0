/**
 * InfluxDB line protocol, written by hand: it is a few escaping rules, and the official client
 * would bring a whole HTTP stack for them. Rules (InfluxDB docs, "Line protocol"): measurement
 * escapes comma and space; tag keys, tag values and field keys escape comma, `=` and space;
 * string field values escape `"` and `\`. Newlines cannot be escaped at all, so they become
 * spaces; empty tag values are omitted; integers carry the `i` suffix.
 */
export type FieldValue =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string };

export interface Point {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  /** Nanoseconds since the epoch. */
  timeNs: bigint;
}

const noNewlines = (s: string): string => s.replace(/[\r\n]/g, ' ');

export function escapeMeasurement(s: string): string {
  return noNewlines(s).replace(/[\\, ]/g, (c) => `\\${c}`);
}

export function escapeKey(s: string): string {
  return noNewlines(s).replace(/[\\,= ]/g, (c) => `\\${c}`);
}

export function escapeStringField(s: string): string {
  return `"${noNewlines(s).replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

function field(v: FieldValue): string {
  switch (v.type) {
    case 'int':
      return `${Math.trunc(v.value)}i`;
    case 'float':
      return Number.isFinite(v.value) ? String(v.value) : '0';
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'string':
      return escapeStringField(v.value);
  }
}

/** One line; tags sorted by key (InfluxDB's recommendation for write performance). */
export function formatPoint(p: Point): string {
  const tags = Object.keys(p.tags)
    .filter((k) => p.tags[k] !== '')
    .sort()
    .map((k) => `,${escapeKey(k)}=${escapeKey(p.tags[k]!)}`)
    .join('');
  const fields = Object.entries(p.fields)
    .map(([k, v]) => `${escapeKey(k)}=${field(v)}`)
    .join(',');
  return `${escapeMeasurement(p.measurement)}${tags} ${fields} ${p.timeNs}`;
}
