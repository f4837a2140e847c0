import { posix } from 'node:path';
import type { AccountSource } from './accounts.js';

/**
 * One file as the container sees it. Hard links share one `Inode`: a link made in a layer keeps
 * the content its target had in that layer, whatever later layers do to the target's path.
 */
export interface Inode {
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
  linkTarget?: string;
  /** The content of a small file; undefined when it was not kept (too large, over budget). */
  content?: Buffer;
}

export interface Node {
  inode: Inode;
  /** A whiteout (an overlay 0/0 character device): the path is deleted from lower layers. */
  whiteout?: boolean;
  /** An opaque directory: lower layers' content below it is hidden. */
  opaque?: boolean;
  /** Named by a member of its layer (not only created as a parent). */
  explicit?: boolean;
}

/**
 * A complete tree: every node's ancestors are present as directories. A map from path to node
 * with an index of each directory's children, so deleting a subtree costs the size of the subtree,
 * not of the whole tree (a hostile layer of many directory whiteouts stays linear).
 */
export class View implements Iterable<[string, Node]> {
  private readonly nodes = new Map<string, Node>();
  private readonly children = new Map<string, Set<string>>();

  get size(): number {
    return this.nodes.size;
  }

  get(path: string): Node | undefined {
    return this.nodes.get(path);
  }

  has(path: string): boolean {
    return this.nodes.has(path);
  }

  set(path: string, node: Node): void {
    if (!this.nodes.has(path)) {
      const parent = parentOf(path);
      let c = this.children.get(parent);
      if (!c) this.children.set(parent, (c = new Set()));
      c.add(path);
    }
    this.nodes.set(path, node);
  }

  delete(path: string): void {
    if (this.nodes.delete(path)) this.children.get(parentOf(path))?.delete(path);
  }

  /** Deletes `path`'s descendants, and `path` itself when `self` is set. */
  removeSubtree(path: string, self: boolean): void {
    const stack = [path];
    while (stack.length > 0) {
      const p = stack.pop()!;
      const c = this.children.get(p);
      if (!c) continue;
      this.children.delete(p);
      for (const child of c) {
        this.nodes.delete(child);
        stack.push(child);
      }
    }
    if (self) this.delete(path);
  }

  [Symbol.iterator](): Iterator<[string, Node]> {
    return this.nodes[Symbol.iterator]();
  }
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function isDir(n: Node | undefined): boolean {
  return n !== undefined && !n.whiteout && n.inode.type === 'dir';
}

export function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/', 1); i !== -1; i = path.indexOf('/', i + 1)) {
    out.push(path.slice(0, i));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The init layer Docker puts between the image and the container (daemon/initlayer).
// ---------------------------------------------------------------------------------------------

const INIT_PATHS: [string, 'dir' | 'file' | 'symlink'][] = [
  ['/dev/pts', 'dir'],
  ['/dev/shm', 'dir'],
  ['/proc', 'dir'],
  ['/sys', 'dir'],
  ['/.dockerenv', 'file'],
  ['/etc/resolv.conf', 'file'],
  ['/etc/hosts', 'file'],
  ['/etc/hostname', 'file'],
  ['/dev/console', 'file'],
  ['/etc/mtab', 'symlink'],
];

/**
 * For each of its paths Docker unlinks every component that is not a directory (so an image
 * whose /etc is a symlink gets a new, empty /etc), then creates what is missing: /etc/hosts and
 * friends become empty files, /etc/mtab a link to /proc/mounts.
 */
export function applyInitLayer(view: View): void {
  for (const [path, type] of INIT_PATHS) {
    for (const p of [...ancestors(path), path]) {
      const n = view.get(p);
      if (n && !isDir(n)) view.removeSubtree(p, true);
    }
    for (const p of ancestors(path)) {
      if (!view.has(p)) view.set(p, { inode: { type: 'dir', size: 0 } });
    }
    if (view.has(path)) continue;
    view.set(path, {
      inode:
        type === 'symlink'
          ? { type: 'symlink', size: 0, linkTarget: '/proc/mounts' }
          : { type, size: 0, content: Buffer.alloc(0) },
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Path resolution: as dockerd does it (FollowSymlinkInScope) and as the kernel does in runc.
// ---------------------------------------------------------------------------------------------

/** What a file the runtime opens turns out to be, or why the gate cannot know. */
export type Opened = { source: AccountSource; path: string } | { unknown: string };

type Lstat = { node?: Node } | { error: string } | { unknown: string };

/** lstat(2) of a path whose components are symlink-free: ENOENT or ENOTDIR on the way. */
function lstat(view: View, path: string): Lstat {
  for (const p of [...ancestors(path), path]) {
    const n = view.get(p);
    if (!n || n.whiteout) return {};
    if (p === path) return { node: n };
    if (n.inode.type === 'symlink') return { unknown: `${p} is an unexpanded symbolic link` };
    if (n.inode.type !== 'dir') return { error: `${p}: not a directory` };
  }
  return {};
}

/**
 * moby/sys symlink `FollowSymlinkInScope` (v0.1): every path element, including those a link
 * expands to, counts one step, and after 255 steps it fails; a missing element is accepted as
 * it is (so a later `..` cancels it); `..` never climbs above the root.
 */
export function followInScope(
  view: View,
  path: string,
): { path: string } | { error: string } | { unknown: string } {
  let rest = clean(path);
  let b = '';
  for (let n = 0; rest !== ''; n++) {
    if (n > 255) return { error: `evalSymlinksInScope: too many links in ${path}` };
    const i = rest.indexOf('/');
    const p = i === -1 ? rest : rest.slice(0, i);
    rest = i === -1 ? '' : rest.slice(i + 1);
    if (p === '') continue;
    const cleanP = clean('/' + b + p);
    if (cleanP === '/') {
      b = '';
      continue;
    }
    const st = lstat(view, cleanP);
    if ('error' in st || 'unknown' in st) return st;
    if (!st.node || st.node.inode.type !== 'symlink') {
      b += p + '/';
      continue;
    }
    const dest = st.node.inode.linkTarget ?? '';
    if (dest.startsWith('/')) b = '';
    rest = dest + '/' + rest;
  }
  return { path: clean('/' + b) };
}

/** Go's filepath.Clean for an absolute path: no trailing slash. */
function clean(path: string): string {
  const p = posix.normalize(path);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/** Linux follows at most 40 symbolic links in one lookup. */
const MAX_KERNEL_LINKS = 40;

/** Paths Docker mounts over inside the container: what runc reads there is not the image's. */
const MOUNTED = ['/proc', '/sys', '/dev', '/etc/hosts', '/etc/hostname', '/etc/resolv.conf'];

function mounted(path: string): boolean {
  return MOUNTED.some((m) => path === m || path.startsWith(m + '/'));
}

/**
 * open(2) inside the container's root, as runc does after pivot_root: symlinks followed (40 at
 * most, else ELOOP and the file counts as absent), `..` stops at the root.
 */
export function kernelOpen(view: View, path: string): Opened {
  let pending = path.split('/').filter(Boolean);
  let current = '/';
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    const next = part === '..' ? posix.dirname(current) : posix.join(current, part);
    if (mounted(next))
      return { unknown: `${path} leads to ${next}, which the runtime mounts over` };
    const n = view.get(next);
    if (!n || n.whiteout) return { source: { kind: 'absent' }, path: next };
    if (n.inode.type === 'symlink') {
      if (++links > MAX_KERNEL_LINKS) return { source: { kind: 'absent' }, path: next };
      const target = n.inode.linkTarget ?? '';
      pending = [...target.split('/').filter(Boolean), ...pending];
      if (target.startsWith('/')) current = '/';
      continue;
    }
    if (pending.length > 0 && n.inode.type !== 'dir') {
      return { source: { kind: 'absent' }, path: next }; // ENOTDIR
    }
    current = next;
  }
  return openNode(view, current, true);
}

/**
 * os.Open of a resolved path, then reading it. `inContainer`: read inside the running container,
 * where Docker's mounts hide the image's files.
 */
export function openNode(view: View, path: string, inContainer: boolean): Opened {
  if (inContainer && mounted(path)) {
    return { unknown: `${path} is a path the runtime mounts over` };
  }
  const st = lstat(view, path);
  if ('unknown' in st) return st;
  if ('error' in st || !st.node) return { source: { kind: 'absent' }, path };
  const inode = st.node.inode;
  switch (inode.type) {
    case 'dir':
      return { source: { kind: 'unreadable', reason: `read ${path}: is a directory` }, path };
    case 'file':
      if (inode.content === undefined) {
        return {
          unknown: `${path} (${inode.size} bytes) is too large (or binary) for the gate to keep`,
        };
      }
      return { source: { kind: 'content', bytes: inode.content }, path };
    case 'symlink':
      return { unknown: `${path} is a symbolic link the runtime's resolution did not expand` };
    default:
      return { unknown: `${path} is a device or FIFO; reading it cannot be predicted` };
  }
}
