import type { LayerDescriptor } from '../image/types.js';
import type { Analyzer, FileEntry } from '../layers/types.js';
import type { AccountSource } from './accounts.js';
import {
  ancestors,
  applyInitLayer,
  followInScope,
  isDir,
  kernelOpen,
  openNode,
  parentOf,
  type Inode,
  type Node,
  type Opened,
  View,
} from './rootfs.js';
import type { AccountFacts } from './types.js';

/** Small files whose content is kept when it could be an account file. */
const MAX_KEPT_FILE = 1 << 20;
/**
 * All kept content together; past it, files are not kept (and the rule fails if it needs one).
 * Files named like account files may use the larger budget, any other candidate the smaller one,
 * so a thousand text files cannot crowd /etc/passwd out.
 */
const MAX_KEPT_NAMED = 128 << 20;
const MAX_KEPT_OTHER = 32 << 20;
/**
 * Paths recorded over all layers (each costs a few hundred bytes); past it the rule fails. A
 * layer's implicit parents count too, so a hostile layer of deep paths cannot multiply them.
 */
const MAX_PATHS = 1_000_000;
/** And their length together (each path is hashed a few times): deep hostile paths stay cheap. */
const MAX_PATH_CHARS = 128_000_000;
/** Linux's PATH_MAX: the engine cannot create a longer path, so it cannot load such a layer. */
const PATH_MAX = 4096;
const EMPTY = Buffer.alloc(0);
/** How much of a file's start decides whether it could be an account file. */
const SNIFF = 4096;

/** One layer as Docker extracts it into its own directory, before overlayfs stacks them. */
interface LayerTree {
  nodes: View;
  /** Something Docker would refuse, or place elsewhere: the merged view cannot be trusted. */
  problem?: string;
}

interface Pending {
  inode: Inode;
  parts: Buffer[];
  keep?: boolean;
}

/**
 * Builds the final filesystem as the Docker Engine (overlay2) runs it: each layer extracted on
 * its own (pkg/archive `Unpack`: parents created as needed, a later entry replaces an earlier
 * one, hard links made to the file as it is in that layer, whiteouts become 0/0 devices), then
 * stacked the way overlayfs looks up a path (a whiteout deletes, an opaque directory hides
 * what is below, a non-directory ends the merge), then Docker's init layer on top.
 *
 * Layers may be walked concurrently, so each is recorded on its own and merged in order at the
 * end. Content is kept only for small files that could be read as /etc/passwd or /etc/group:
 * which file those resolve to is only known after the merge.
 */
export class FilesystemAnalyzer implements Analyzer {
  readonly name = 'filesystem';
  private readonly layers = new Map<number, LayerTree>();
  private readonly pending = new Map<FileEntry, Pending>();
  private kept = 0;
  private paths = 0;
  private pathChars = 0;

  onEntry(entry: FileEntry): boolean {
    const tree = this.tree(entry.layer);
    const before = tree.nodes.size;
    const inode = addEntry(tree, entry);
    const added = tree.nodes.size - before;
    this.paths += added;
    this.pathChars += Math.max(0, added) * entry.path.length;
    if (this.paths > MAX_PATHS || this.pathChars > MAX_PATH_CHARS) {
      tree.problem ??= `more than ${MAX_PATHS} paths, or paths too long, for the gate to model`;
      return false;
    }
    if (inode?.type !== 'file') return false;
    if (entry.size === 0) {
      inode.content = EMPTY;
      return false;
    }
    if (entry.size > MAX_KEPT_FILE) return false;
    this.pending.set(entry, { inode, parts: [] });
    return true;
  }

  onContent(entry: FileEntry, chunk: Buffer): void {
    const p = this.pending.get(entry);
    if (!p) return;
    if (p.keep === undefined) {
      const named = /^(passwd|group)/.test(entry.path.slice(entry.path.lastIndexOf('/') + 1));
      const budget = named ? MAX_KEPT_NAMED : MAX_KEPT_OTHER;
      p.keep = this.kept + entry.size <= budget && (named || couldBeAccountFile(entry.path, chunk));
      if (p.keep) this.kept += entry.size;
    }
    if (p.keep) p.parts.push(Buffer.from(chunk));
  }

  onFileEnd(entry: FileEntry): void {
    const p = this.pending.get(entry);
    this.pending.delete(entry);
    if (p?.keep) p.inode.content = Buffer.concat(p.parts);
  }

  /** The merged image filesystem (without Docker's init layer): path → node. */
  merged(): View {
    const view = new View();
    for (const i of [...this.layers.keys()].sort((a, b) => a - b)) {
      mergeLayer(view, this.layers.get(i)!.nodes);
    }
    return view;
  }

  /** What the runtime reads as /etc/passwd and /etc/group for this image. */
  accounts(): AccountFacts {
    for (const i of [...this.layers.keys()].sort((a, b) => a - b)) {
      const problem = this.layers.get(i)!.problem;
      if (problem) return { status: 'unproven', reason: `layer ${i}: ${problem}` };
    }
    const view = this.merged();
    applyInitLayer(view);
    const passwd = engineOpen(view, '/etc/passwd');
    if ('refused' in passwd) return { status: 'refused', reason: passwd.refused };
    const group = engineOpen(view, '/etc/group');
    if ('refused' in group) return { status: 'refused', reason: group.refused };
    // dockerd reads the files first; runc reads them again inside the container.
    const opened = [passwd, group, kernelOpen(view, '/etc/passwd'), kernelOpen(view, '/etc/group')];
    const found: { source: AccountSource; path: string }[] = [];
    for (const o of opened) {
      if ('unknown' in o) return { status: 'unproven', reason: o.unknown };
      found.push(o);
    }
    const [p, g, inP, inG] = found;
    return {
      status: 'known',
      files: {
        engine: { passwd: p.source, group: g.source },
        container: { passwd: inP.source, group: inG.source },
      },
      passwdPath: p.path,
      groupPath: g.path,
    };
  }

  private tree(layer: LayerDescriptor): LayerTree {
    let tree = this.layers.get(layer.index);
    if (!tree) {
      tree = { nodes: new View() };
      this.layers.set(layer.index, tree);
    }
    return tree;
  }
}

/** dockerd: FollowSymlinkInScope in the container's root, then os.Open. */
function engineOpen(view: View, path: string): Opened | { refused: string } {
  const r = followInScope(view, path);
  if ('error' in r) return { refused: r.error };
  if ('unknown' in r) return r;
  return openNode(view, r.path, false);
}

/**
 * Besides files named like account files: small files under /etc, and text whose start has a
 * line with three colons (`name:x:uid:`). A file not kept that /etc/passwd resolves to makes the
 * rule fail, never pass.
 */
function couldBeAccountFile(path: string, first: Buffer): boolean {
  if (path.startsWith('/etc/')) return true;
  const head = first.subarray(0, SNIFF);
  return !head.includes(0) && /^[^\n:]*:[^\n:]*:[^\n:]*:/m.test(head.toString('latin1'));
}

// ---------------------------------------------------------------------------------------------
// One layer, as pkg/archive Unpack writes it (chrooted into the layer's own directory).
// ---------------------------------------------------------------------------------------------

function addEntry(tree: LayerTree, e: FileEntry): Inode | undefined {
  if (tree.problem) return undefined;
  const fail = (why: string): undefined => {
    tree.problem = why;
    return undefined;
  };
  if (e.path === '/') {
    return e.opaque || e.whiteout ? fail('an opaque marker or whiteout at the root') : undefined;
  }
  if (e.path.length > PATH_MAX) return fail(`a path longer than ${PATH_MAX} bytes`);
  if (e.overlayAttrs) {
    return fail(`${e.path} carries overlayfs attributes (${e.overlayAttrs.join(', ')})`);
  }
  const nodes = tree.nodes;
  // Parents are created as Unpack creates them; a present parent has all of its own.
  const parent = parentOf(e.path);
  if (parent !== '/' && !isDir(nodes.get(parent))) {
    for (const a of ancestors(e.path)) {
      const n = nodes.get(a);
      if (!n) nodes.set(a, { inode: { type: 'dir', size: 0 } });
      else if (!isDir(n)) return fail(`${e.path} is written below ${a}, which is not a directory`);
    }
  }
  const existing = nodes.get(e.path);
  // Docker refuses to load a layer that names a path twice (tar-split keeps names unique).
  if (e.opaque ? existing?.opaque : existing?.explicit) {
    return fail(`${e.path} appears twice (the engine refuses such a layer)`);
  }
  if (e.opaque) {
    // `.wh..wh..opq` marks its directory, which Unpack creates when it is missing.
    if (existing && !isDir(existing)) return fail(`opaque marker in ${e.path}, not a directory`);
    nodes.set(e.path, { ...(existing ?? { inode: { type: 'dir', size: 0 } }), opaque: true });
    return undefined;
  }
  if (e.whiteout) {
    // The whiteout becomes a device at the path: mknod fails if the layer already has it.
    if (existing) return fail(`${e.path} is both written and whited out`);
    nodes.set(e.path, { inode: { type: 'other', size: 0 }, whiteout: true });
    return undefined;
  }
  if (existing && !(isDir(existing) && e.type === 'dir')) nodes.removeSubtree(e.path, true);
  if (e.type === 'dir') {
    const dir = nodes.get(e.path);
    if (isDir(dir)) dir!.explicit = true;
    else nodes.set(e.path, { inode: { type: 'dir', size: 0 }, explicit: true });
    return undefined;
  }
  if (e.type === 'hardlink') {
    const target = e.linkTarget ?? '';
    const t = nodes.get(target);
    if (!t || t.whiteout || isDir(t)) {
      return fail(`hard link ${e.path} → ${target}: no such file earlier in this layer`);
    }
    nodes.set(e.path, { inode: t.inode, explicit: true });
    return undefined;
  }
  const inode: Inode = { type: e.type, size: e.size };
  if (e.type === 'symlink') inode.linkTarget = e.linkTarget ?? '';
  nodes.set(e.path, { inode, explicit: true });
  return inode;
}

// ---------------------------------------------------------------------------------------------
// Stacking: the next layer over the view of the ones below, as overlayfs shows it.
// ---------------------------------------------------------------------------------------------

function mergeLayer(view: View, layer: View): void {
  for (const [path, n] of layer) {
    if (n.whiteout || !isDir(n)) {
      view.removeSubtree(path, true);
      continue;
    }
    // A directory over a non-directory hides it; an opaque one hides what is below it.
    const below = view.get(path);
    if (below && !isDir(below)) view.delete(path);
    if (n.opaque) view.removeSubtree(path, false);
  }
  for (const [path, n] of layer) {
    if (!n.whiteout) view.set(path, n as Node);
  }
}
