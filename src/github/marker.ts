/**
 * The identity of a sticky comment and of a commit status: one per image set, job and matrix
 * leg, so re-runs update their own comment and matrix legs do not overwrite each other.
 */

/**
 * Characters kept as they are in a marker; everything else is percent-encoded (UTF-8). No `-`,
 * `>`, `!` or space survives, so a key can never close the HTML comment (`-->`) or run into the
 * marker's own ` -->`; the encoding is injective, so two keys never share a marker.
 */
const SAFE = /[A-Za-z0-9._~:/@+=,()[\]]/;

export function escapeKey(key: string): string {
  let out = '';
  for (const ch of key) {
    if (SAFE.test(ch)) out += ch;
    else
      for (const byte of Buffer.from(ch, 'utf8')) {
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
      }
  }
  return out;
}

/** The hidden first line of the comment that finds it again on the next run. */
export function commentMarker(key: string): string {
  return `<!-- image-gate:key=${escapeKey(key)} -->`;
}

/**
 * A reference without its tag or digest: `ghcr.io/acme/api:${{ github.sha }}` changes on every
 * push, and the comment must stay the same one across pushes to the pull request.
 */
export function withoutTag(reference: string): string {
  const transport = /^(?:docker:\/\/|docker-daemon:|docker-archive:|oci-archive:|oci:)/.exec(
    reference,
  );
  const prefix = transport?.[0] ?? '';
  const rest = reference.slice(prefix.length).replace(/@sha256:[a-f0-9]+$/i, '');
  // A colon before the last slash is a registry port, not a tag.
  const colon = rest.lastIndexOf(':');
  return prefix + (colon > rest.lastIndexOf('/') ? rest.slice(0, colon) : rest);
}

/**
 * The values of the `matrix` context (`${{ toJSON(matrix) }}`), in the workflow's order:
 * `null` or `{}` outside a matrix; objects (from `include`) as compact JSON.
 */
export function matrixValues(matrixJson: string | undefined): string[] {
  if (!matrixJson || matrixJson.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(matrixJson);
  } catch {
    // Not JSON (someone passed a plain string): it still distinguishes the legs.
    return [matrixJson.trim()];
  }
  if (typeof parsed !== 'object' || parsed === null) return parsed === null ? [] : [String(parsed)];
  return Object.values(parsed as Record<string, unknown>).map((v) =>
    typeof v === 'string' ? v : JSON.stringify(v),
  );
}

export interface KeyParts {
  images: readonly string[];
  job?: string;
  matrix?: string;
}

/** `ghcr.io/acme/api (gate, ubuntu-latest, 20)`: images without tags, then job and matrix. */
export function deriveKey(parts: KeyParts): string {
  const images = [...new Set(parts.images.map(withoutTag))].join(', ');
  const extra = [parts.job ?? '', ...matrixValues(parts.matrix)].filter((p) => p !== '');
  return extra.length > 0 ? `${images} (${extra.join(', ')})` : images;
}
