import type { ImageConfig } from '../image/types.js';
import type { Analyzer, FileEntry } from '../layers/types.js';
import { compareText } from '../scanners/severity.js';
import { installTimeKey } from './secrets/detectors/index.js';
import { SecretScanner, type SecretHit, type SecretStream } from './secrets/index.js';
import type { SecretFinding } from './types.js';

/**
 * Scans the content of every regular file of every layer, including files a later layer deletes
 * or overwrites: they still ship in the image's blobs.
 */
export class SecretsAnalyzer implements Analyzer {
  readonly name = 'secrets';
  private readonly found: SecretFinding[] = [];
  private readonly open = new Map<FileEntry, SecretStream>();

  constructor(private readonly scanner = new SecretScanner()) {}

  onEntry(entry: FileEntry): boolean {
    return entry.type === 'file' && entry.size > 0;
  }

  onContent(entry: FileEntry, chunk: Buffer): void {
    let stream = this.open.get(entry);
    if (!stream) {
      stream = this.scanner.createStream();
      this.open.set(entry, stream);
    }
    stream.write(chunk);
  }

  onFileEnd(entry: FileEntry): void {
    const stream = this.open.get(entry);
    if (!stream) return;
    this.open.delete(entry);
    for (const hit of stream.end()) {
      this.found.push({
        kind: 'file',
        ...fromHit(hit),
        // Keys generated at install time (OpenSSH host keys, snakeoil) are named by their path.
        ...installTimeKey(hit.detector, entry.path),
        layerIndex: entry.layer.index,
        diffId: entry.layer.diffId,
        path: entry.path,
      });
    }
  }

  /** Findings in layer order, then path and line (layers may have been walked concurrently). */
  findings(): SecretFinding[] {
    return [...this.found].sort(
      (a, b) =>
        (a.layerIndex ?? 0) - (b.layerIndex ?? 0) ||
        compareText(a.path ?? '', b.path ?? '') ||
        (a.line ?? 0) - (b.line ?? 0),
    );
  }
}

/**
 * Secrets in the image config: environment variables, labels, the other free-text fields (Cmd,
 * Entrypoint, WorkingDir, User, ...), and history `created_by` lines, where build arguments leak
 * (`|1 TOKEN=… /bin/sh -c …`).
 */
export function configSecrets(
  config: ImageConfig,
  diffIds: string[],
  scanner = new SecretScanner(),
): SecretFinding[] {
  const found: SecretFinding[] = [];
  for (const env of config.config?.Env ?? []) {
    const name = env.split('=', 1)[0]!;
    for (const hit of scanner.scanString(env))
      found.push({ kind: 'env', ...fromHit(hit), path: name });
  }
  for (const [key, value] of Object.entries(config.config?.Labels ?? {})) {
    for (const hit of scanner.scanString(`${key}=${value}`))
      found.push({ kind: 'label', ...fromHit(hit), path: key });
  }
  for (const [field, text] of configTexts(config)) {
    for (const hit of scanner.scanString(text))
      found.push({ kind: 'config', ...fromHit(hit), path: field });
  }
  let layer = 0;
  (config.history ?? []).forEach((h, historyIndex) => {
    const layerIndex = h.empty_layer ? undefined : layer++;
    // `comment` too: `docker commit -m` and some builders record commands there.
    const recorded = [h.created_by, h.comment].filter((t): t is string => !!t);
    for (const hit of recorded.flatMap((text) => scanner.scanString(text))) {
      found.push({
        kind: 'history',
        ...fromHit(hit),
        historyIndex,
        ...(layerIndex !== undefined && diffIds[layerIndex]
          ? { layerIndex, diffId: diffIds[layerIndex] }
          : {}),
      });
    }
  });
  return found;
}

/**
 * Every other config field that holds free text the image author wrote: a token passed as
 * `--token=...` in Cmd or Entrypoint ships in the image as surely as one in Env.
 */
function configTexts(config: ImageConfig): [field: string, text: string][] {
  const c = (config.config ?? {}) as Record<string, unknown>;
  const texts: [string, string][] = [];
  const add = (field: string, value: unknown): void => {
    if (typeof value === 'string' && value) texts.push([field, value]);
    else if (Array.isArray(value)) value.forEach((v) => add(field, v));
  };
  for (const field of ['User', 'Entrypoint', 'Cmd', 'WorkingDir', 'OnBuild', 'Shell', 'StopSignal'])
    add(field, c[field]);
  for (const field of ['Volumes', 'ExposedPorts']) {
    const keys = c[field];
    if (keys && typeof keys === 'object') add(field, Object.keys(keys));
  }
  const health = c.Healthcheck as { Test?: unknown } | null | undefined;
  add('Healthcheck', health?.Test);
  add('author', config.author);
  return texts;
}

function fromHit(hit: SecretHit): Pick<SecretFinding, 'detector' | 'title' | 'line' | 'excerpt'> {
  return { detector: hit.detector, title: hit.title, line: hit.line, excerpt: hit.excerpt };
}
