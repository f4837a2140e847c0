import { posix } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { resolveRuntimeUser, type AccountSource } from '../analyze/accounts.js';
import type { EngineClient } from './engine.js';

export interface RootFacts {
  /** True unless the user is provably not uid 0 (fail closed). */
  root: boolean;
  uid: number | null;
  detail: string;
}

const ACCOUNT_FILE_LIMIT = 1024 * 1024;
const MAX_LINKS = 8;

/**
 * Whether the container runs as root, from the engine's view: its effective `Config.User`
 * (the image's default or `--user`), resolved exactly as dockerd and runc resolve it
 * (analyze/accounts.ts) over the container's own /etc/passwd and /etc/group. The files are read
 * through the archive endpoint (a GET; nothing runs in the container).
 */
export async function rootFacts(
  engine: EngineClient,
  containerId: string,
  user: string,
): Promise<RootFacts> {
  const [passwd, group] = await Promise.all([
    readAccountFile(engine, containerId, '/etc/passwd'),
    readAccountFile(engine, containerId, '/etc/group'),
  ]);
  const files = { passwd, group };
  const resolved = resolveRuntimeUser(user, { engine: files, container: files });
  const shown = user === '' ? 'no user set' : `user "${user}"`;
  if (!resolved.ok) {
    return { root: true, uid: null, detail: `${shown}: cannot resolve (${resolved.refusal})` };
  }
  return {
    root: resolved.uid === 0,
    uid: resolved.uid,
    detail: `${shown} runs as uid ${resolved.uid}`,
  };
}

async function readAccountFile(
  engine: EngineClient,
  id: string,
  file: string,
): Promise<AccountSource> {
  let path = file;
  for (let hop = 0; hop <= MAX_LINKS; hop++) {
    const archive = await engine.archive(id, path, ACCOUNT_FILE_LIMIT);
    if (!archive) return { kind: 'absent' };
    const entry = await firstEntry(archive);
    if (!entry) return { kind: 'absent' };
    if (entry.type === 'symlink') {
      // The engine resolves links inside the container's root; so does this.
      path = posix.resolve(posix.dirname(path), entry.linkname);
      continue;
    }
    if (entry.type === 'directory')
      return { kind: 'unreadable', reason: `read ${file}: is a directory` };
    if (entry.type !== 'file')
      return { kind: 'unreadable', reason: `${file} is not a regular file` };
    return { kind: 'content', bytes: entry.content };
  }
  return { kind: 'unreadable', reason: `${file}: too many levels of symbolic links` };
}

interface TarEntry {
  type: string;
  linkname: string;
  content: Buffer;
}

function firstEntry(archive: Buffer): Promise<TarEntry | undefined> {
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    let found: TarEntry | undefined;
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        found ??= {
          type: header.type ?? 'file',
          linkname: header.linkname ?? '',
          content: Buffer.concat(chunks),
        };
        next();
      });
    });
    extract.on('finish', () => resolve(found));
    extract.on('error', reject);
    Readable.from([archive]).pipe(extract);
  });
}
