import { posix } from 'node:path';
import type { LayerDescriptor } from '../image/types.js';
import type { Analyzer, FileEntry } from '../layers/types.js';
import type { PasswdEntry, PasswdFacts } from './types.js';

/** Small files whose content is kept when it looks like a passwd file. */
const MAX_KEPT_FILE = 1 << 20;
/** Linux gives up after 40 symlinks; so does the resolver. */
const MAX_SYMLINKS = 40;
const PASSWD_LINE = /^[^:\n#]+:[^:\n]*:\d+:\d+:/;

interface Node {
  entry: FileEntry;
  content?: Buffer;
}

interface LayerRecord {
  nodes: Map<string, Node>;
  whiteouts: string[];
  opaque: string[];
}

/**
 * Builds the final merged filesystem from every layer's entries, applying whiteouts and opaque
 * directories top-down as a container runtime would. Layers may be walked concurrently, so each
 * layer is recorded on its own and merged in order at the end.
 *
 * File content is kept only for small files that look like passwd files: the path that
 * /etc/passwd resolves to is only known after the merge (a later layer may re-point a symlink).
 */
export class FilesystemAnalyzer implements Analyzer {
  readonly name = 'filesystem';
  private readonly layers = new Map<number, LayerRecord>();
  private readonly pending = new Map<FileEntry, Buffer[]>();

  onEntry(entry: FileEntry): boolean {
    const rec = this.record(entry.layer);
    if (entry.whiteout) {
      rec.whiteouts.push(entry.path);
      return false;
    }
    if (entry.opaque) {
      rec.opaque.push(entry.path);
      return false;
    }
    rec.nodes.set(entry.path, { entry });
    return entry.type === 'file' && entry.size > 0 && entry.size <= MAX_KEPT_FILE;
  }

  onContent(entry: FileEntry, chunk: Buffer): void {
    const parts = this.pending.get(entry);
    if (parts) {
      parts.push(Buffer.from(chunk));
    } else if (PASSWD_LINE.test(chunk.subarray(0, 512).toString('latin1'))) {
      this.pending.set(entry, [Buffer.from(chunk)]);
    } else {
      this.pending.set(entry, []); // seen, not kept
    }
  }

  onFileEnd(entry: FileEntry): void {
    const parts = this.pending.get(entry);
    this.pending.delete(entry);
    if (!parts?.length) return;
    const node = this.layers.get(entry.layer.index)?.nodes.get(entry.path);
    if (node?.entry === entry) node.content = Buffer.concat(parts);
  }

  /** The merged view: path → the node visible in the final image. */
  merged(): Map<string, Node> {
    const view = new Map<string, Node>();
    const indexes = [...this.layers.keys()].sort((a, b) => a - b);
    for (const i of indexes) {
      const rec = this.layers.get(i)!;
      for (const dir of rec.opaque) removeBelow(view, dir, false);
      for (const path of rec.whiteouts) removeBelow(view, path, true);
      for (const [path, node] of rec.nodes) {
        // A non-directory replacing a directory hides everything below it.
        if (node.entry.type !== 'dir' && view.get(path)?.entry.type === 'dir')
          removeBelow(view, path, true);
        view.set(path, node);
      }
    }
    return view;
  }

  /** Resolves /etc/passwd through symlinks and hard links in the final filesystem. */
  passwd(): PasswdFacts {
    const view = this.merged();
    const resolved = resolvePath(view, '/etc/passwd');
    if ('error' in resolved) return { status: 'missing', reason: resolved.error };
    const node = resolved.node;
    if (!node.content) {
      return { status: 'missing', reason: `${resolved.path} is not a readable passwd file` };
    }
    return { status: 'found', path: resolved.path, entries: parsePasswd(node.content) };
  }

  private record(layer: LayerDescriptor): LayerRecord {
    let rec = this.layers.get(layer.index);
    if (!rec) {
      rec = { nodes: new Map(), whiteouts: [], opaque: [] };
      this.layers.set(layer.index, rec);
    }
    return rec;
  }
}

function removeBelow(view: Map<string, Node>, path: string, includeSelf: boolean): void {
  const existing = view.get(path);
  // Only a directory has anything below it: skip the scan for the common file whiteout.
  if (existing && existing.entry.type !== 'dir') {
    if (includeSelf) view.delete(path);
    return;
  }
  const prefix = path === '/' ? '/' : path + '/';
  for (const key of view.keys()) {
    if ((includeSelf && key === path) || key.startsWith(prefix)) view.delete(key);
  }
}

type Resolved = { node: Node; path: string } | { error: string };

/** Follows symlinks in every path component, like the kernel, within the image root. */
export function resolvePath(view: Map<string, Node>, path: string): Resolved {
  let hops = 0;
  let pending = path.split('/').filter(Boolean);
  let current = '/';
  while (pending.length > 0) {
    const part = pending.shift()!;
    const next = part === '..' ? posix.dirname(current) : posix.join(current, part);
    if (part === '.') continue;
    const node = view.get(next);
    if (!node) {
      // Layers need not list parent directories: a missing middle component is implied.
      if (pending.length > 0) {
        current = next;
        continue;
      }
      return { error: `${path} does not exist (${next} is missing)` };
    }
    if (node.entry.type === 'symlink') {
      if (++hops > MAX_SYMLINKS) return { error: `${path}: too many levels of symbolic links` };
      const target = node.entry.linkTarget ?? '';
      pending = [...target.split('/').filter(Boolean), ...pending];
      current = target.startsWith('/') ? '/' : current;
      continue;
    }
    if (node.entry.type === 'hardlink') {
      const target = view.get(node.entry.linkTarget ?? '');
      if (!target) return { error: `${next} is a hard link to a missing file` };
      if (pending.length === 0) return { node: target, path: node.entry.linkTarget! };
    }
    current = next;
  }
  const node = view.get(current);
  if (!node || node.entry.type === 'dir') return { error: `${path} is not a file` };
  return { node, path: current };
}

export function parsePasswd(content: Buffer): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const line of content.toString('utf8').split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#')) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (f[0] && Number.isInteger(uid) && Number.isInteger(gid) && f[2] !== '') {
      entries.push({ name: f[0], uid, gid });
    }
  }
  return entries;
}
