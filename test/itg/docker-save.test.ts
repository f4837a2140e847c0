/**
 * `docker-archive:` reads what `docker save` writes in each era, end to end: the classic shape
 * written for real by the test engine (docker.io 20.10, with a repeated layer stored as a
 * symlink), and the Docker >= 25 graph-driver and containerd-store shapes rebuilt from it by
 * test/archives/build.sh exactly as those moby versions lay them out.
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync, gunzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GateError } from '../../src/errors.js';
import { openImage } from '../../src/image/open.js';
import { walkImage } from '../../src/layers/walk.js';
import { cliEntry } from '../helpers/cli-entry.js';
import { testEnv } from '../helpers/env.js';

const run = promisify(execFile);
const SHAPES = ['classic', 'moby-v26-graphdriver', 'moby-v25-containerd'] as const;

interface Info {
  imageId: string;
  diffIds: string[];
}

let dir: string;
let info: Info;
let scratch: string;
const archive = (shape: string): string => join(dir, `${shape}.tar`);

beforeAll(async () => {
  await run('bash', [join(import.meta.dirname, '..', 'archives', 'build.sh')], {
    env: { ...process.env, IMAGE_GATE_TEST_DIR: testEnv().dir },
  });
  dir = join(testEnv().dir, 'archives');
  info = JSON.parse(await readFile(join(dir, 'info.json'), 'utf8')) as Info;
  scratch = await mkdtemp(join(tmpdir(), 'ig-save-'));
}, 300_000);

afterAll(() => rm(scratch, { recursive: true, force: true }));

/** Every member's header, in order. */
async function members(file: string): Promise<tar.Header[]> {
  const out: tar.Header[] = [];
  const extract = tar.extract();
  createReadStream(file).pipe(extract);
  for await (const entry of extract) {
    out.push(entry.header);
    entry.resume();
  }
  return out;
}

describe('docker save, every era', () => {
  test('the engine really wrote the repeated layer as a symlink to its first copy', async () => {
    expect(new Set(info.diffIds).size).toBeLessThan(info.diffIds.length);
    const links = (await members(archive('classic'))).filter(
      (h) => h.type === 'symlink' && h.name.endsWith('/layer.tar'),
    );
    expect(links).toHaveLength(1);
    expect(links[0]!.linkname).toMatch(/^\.\.\/[a-f0-9]{64}\/layer\.tar$/);
  });

  test('the containerd-store shape holds gzip-compressed layer blobs, each once', async () => {
    const headers = await members(archive('moby-v25-containerd'));
    const manifest = JSON.parse(
      await readMember(archive('moby-v25-containerd'), 'manifest.json'),
    ) as { Layers: string[] }[];
    const layers = manifest[0]!.Layers;
    expect(new Set(layers).size).toBe(layers.length - 1);
    for (const l of layers) expect(headers.filter((h) => h.name === l)).toHaveLength(1);
  });

  test.for(SHAPES)(
    '%s: every digest verified, diffIDs and image ID as the engine has them',
    async (shape) => {
      const image = await openImage(`docker-archive:${archive(shape)}`);
      try {
        expect(image.configDigest).toBe(info.imageId);
        const stats = await walkImage(image, []);
        expect(stats.map((s) => s.diffId)).toEqual(info.diffIds);
        const compressed = shape === 'moby-v25-containerd';
        expect(image.layers.every((l) => l.compression === (compressed ? 'gzip' : 'none'))).toBe(
          true,
        );
        expect(stats.every((s) => (s.digest === s.diffId) === !compressed)).toBe(true);
      } finally {
        await image.close();
      }
    },
  );

  test('docker-daemon: reads the same export, symlinked layer included, from the engine', async () => {
    const image = await openImage('docker-daemon:image-gate-test/dup-layers:latest', {
      dockerHost: testEnv().dockerHost,
    });
    try {
      expect(image.configDigest).toBe(info.imageId);
      expect((await walkImage(image, [])).map((s) => s.diffId)).toEqual(info.diffIds);
    } finally {
      await image.close();
    }
  });

  test('the gate verdict is the same whichever shape the archive has', async () => {
    const cli = await cliEntry();
    const policy = join(scratch, 'policy.yml');
    await writeFile(
      policy,
      'apiVersion: image-gate/v1\nrules:\n  non-root: true\n  secrets: true\n',
    );
    const verdicts = [];
    for (const shape of SHAPES) {
      const { stdout } = await run(process.execPath, [
        cli,
        'check',
        `docker-archive:${archive(shape)}`,
        '--policy',
        policy,
        '--format',
        'json',
      ]).catch((e: { stdout: string }) => e);
      const r = JSON.parse(stdout) as {
        decision: string;
        image: { configDigest: string };
        rules: { rule: string; status: string; summary: string }[];
      };
      verdicts.push({
        decision: r.decision,
        configDigest: r.image.configDigest,
        rules: r.rules.map(({ rule, status, summary }) => ({ rule, status, summary })),
      });
    }
    expect(verdicts[0]!.decision).toBe('pass');
    expect(verdicts[1]).toEqual(verdicts[0]);
    expect(verdicts[2]).toEqual(verdicts[0]);
  });

  test('a compressed blob swapped for another encoding of the same layer is refused, naming the layer', async () => {
    // Same tar, other gzip bytes: the diffID still matches, the name's digest does not.
    const src = archive('moby-v25-containerd');
    const forged = join(scratch, 'forged.tar');
    const manifest = JSON.parse(await readMember(src, 'manifest.json')) as { Layers: string[] }[];
    const target = manifest[0]!.Layers[0]!;
    await rewrite(src, forged, (name, data) =>
      name === target ? gzipSync(gunzipSync(data), { level: 1 }) : data,
    );
    const image = await openImage(`docker-archive:${forged}`);
    try {
      const err = await walkImage(image, []).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GateError);
      expect((err as GateError).code).toBe('digest');
      expect((err as GateError).message).toMatch(
        /^layer 0 \(sha256:[a-f0-9]{64}\): blob digest mismatch/,
      );
    } finally {
      await image.close();
    }
  });
});

async function readMember(file: string, name: string): Promise<string> {
  const extract = tar.extract();
  createReadStream(file).pipe(extract);
  let text = '';
  for await (const entry of extract) {
    if (entry.header.name === name) for await (const c of entry) text += String(c);
    else entry.resume();
  }
  return text;
}

/** Copies a tar, passing each regular member's bytes through `edit`. */
async function rewrite(
  from: string,
  to: string,
  edit: (name: string, data: Buffer) => Buffer,
): Promise<void> {
  const extract = tar.extract();
  createReadStream(from).pipe(extract);
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for await (const entry of extract) {
    const parts: Buffer[] = [];
    for await (const c of entry) parts.push(c as Buffer);
    const h = entry.header;
    if (h.type === 'file') {
      const data = edit(h.name, Buffer.concat(parts));
      pack.entry({ ...h, size: data.length }, data);
    } else pack.entry(h);
  }
  pack.finalize();
  await done;
  await writeFile(to, Buffer.concat(chunks));
}
