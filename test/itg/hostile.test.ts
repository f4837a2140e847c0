/**
 * Hostile inputs through the real CLI, each in its own process under /usr/bin/time: every one
 * must end with exit code 2 and a specific error, within 512 MB of peak memory (the child's
 * max RSS), and before a kill timer that only exists so a hang fails the test instead of
 * stalling it (it is not a speed assertion).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cliEntry } from '../helpers/cli-entry.js';
import { buildHostileFiles, type HostileCase } from '../hostile/fixtures.js';
import { ENDLESS_DECLARED, startStandIn, type StandInMode } from '../hostile/registry-stand-in.js';

const MEMORY_CAP_KB = 512 * 1024;
const TIME = '/usr/bin/time';

interface Run {
  code: number | null;
  killed: boolean;
  stderr: string;
  peakKb: number;
}

/** Runs `image-gate inspect REF` under /usr/bin/time, killing its process group at `killAfterS`. */
async function gate(ref: string, args: string[], killAfterS: number): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), 'ig-hostile-run-'));
  const stats = join(dir, 'time');
  const cli = await cliEntry();
  const child = spawn(
    TIME,
    ['-f', '%M', '-o', stats, process.execPath, cli, 'inspect', ref, ...args, '--format', 'json'],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    process.kill(-child.pid!, 'SIGKILL');
  }, killAfterS * 1000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const text = existsSync(stats) ? await readFile(stats, 'utf8') : '';
  await rm(dir, { recursive: true, force: true });
  // time writes "Command exited with non-zero status 2" before the figure.
  const peakKb = Number(text.trim().split('\n').pop());
  return { code, killed, stderr, peakKb };
}

const measured: string[] = [];

function expectBounded(name: string, run: Run, error: RegExp): void {
  const said = run.stderr.trim().split('\n')[0]!.slice(0, 160);
  measured.push(`${name}: peak ${Math.round(run.peakKb / 1024)} MB, exit ${run.code}: ${said}`);
  expect(run.killed, `${name} hung until the kill timer`).toBe(false);
  expect(run.stderr).toMatch(error);
  expect(run.code).toBe(2);
  expect(run.peakKb).toBeGreaterThan(0);
  expect(run.peakKb).toBeLessThan(MEMORY_CAP_KB);
}

let root: string;
let cases: HostileCase[] = [];

beforeAll(async () => {
  expect(existsSync(TIME), `${TIME} is missing: run test/env/setup.sh`).toBe(true);
  root = await mkdtemp(join(tmpdir(), 'ig-hostile-'));
  cases = await buildHostileFiles(root);
  await cliEntry();
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  // The figures, for the README and for anyone tuning the bounds.
  console.log(`hostile inputs on Node ${process.version}:\n  ${measured.join('\n  ')}`);
});

describe('hostile layouts and archives end with a clear error, in bounded memory and time', () => {
  test.for([
    'zstd-huge-window',
    'zstd-declared-size',
    'zstd-rle-bomb',
    'zstd-max-window-layers',
    'zstd-many-max-window-frames',
    'zstd-many-8m-window-frames',
    'gzip-bomb',
    'manifest-without-size',
    'layer-declared-huge',
    'platform-mismatch',
    'index-dev-zero',
    'config-dev-zero',
    'config-fifo',
    'layer-fifo',
    'archive-fifo',
    'archive-dev-zero',
    'archive-member-to-dev-zero',
  ])('%s', { timeout: 180_000 }, async (name) => {
    const c = cases.find((x) => x.name === name)!;
    expect(c, `no fixture named ${name}`).toBeDefined();
    expectBounded(name, await gate(c.ref, c.args ?? [], 150), c.error);
  });
});

describe('hostile registries end with an error naming the registry', () => {
  const registryCase = async (
    mode: StandInMode,
    error: (host: string) => RegExp,
    args: string[] = [],
  ) => {
    const standIn = await startStandIn(mode);
    try {
      const run = await gate(`docker://${standIn.host}/hostile/${mode}:latest`, args, 150);
      expectBounded(mode, run, error(standIn.host));
    } finally {
      await standIn.close();
    }
  };
  const host = (h: string): string => h.replace(/\./g, '\\.');

  test(
    'an uncompressed layer streamed endlessly is cut at its declared size, naming the layer',
    { timeout: 180_000 },
    () =>
      registryCase(
        'endless-layer',
        () =>
          new RegExp(
            `layer 0 \\(sha256:[a-f0-9]{64}\\): the blob is larger than the ${ENDLESS_DECLARED} bytes its manifest declares`,
          ),
      ),
  );

  test("an index entry whose platform is not its config's is an error", { timeout: 180_000 }, () =>
    registryCase(
      'platform-mismatch',
      (h) =>
        new RegExp(
          `${host(h)}/hostile/platform-mismatch: the index lists sha256:[a-f0-9]{64} as linux/arm64 but its config says linux/amd64`,
        ),
      ['--platform', 'linux/arm64'],
    ),
  );

  test('a manifest dripped one byte every 2 s ends at the deadline', { timeout: 180_000 }, () =>
    registryCase(
      'drip-manifest',
      (h) => new RegExp(`registry ${host(h)}.*${host(h)} sent \\d+ bytes in \\d+ s, slower than`),
    ),
  );

  test('a layer dripped one byte every 2 s ends at the deadline', { timeout: 180_000 }, () =>
    registryCase(
      'drip-layer',
      (h) => new RegExp(`registry ${host(h)}.*${host(h)} sent \\d+ bytes in \\d+ s, slower than`),
    ),
  );
});
