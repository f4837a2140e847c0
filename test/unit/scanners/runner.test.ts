import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { GateError } from '../../../src/errors.js';
import { childProcessRunner, findOnPath, lastLine } from '../../../src/scanners/runner.js';
import { StandIns } from './stand-in.js';

let bin: StandIns;
beforeEach(() => {
  bin = new StandIns();
});
afterEach(() => bin.remove());

describe('the child_process runner', () => {
  test('returns stdout, the exit code and stderr', async () => {
    const exe = bin.script('tool', 'echo "{\\"ok\\":true}"; echo "warning: slow" >&2; exit 3');
    const result = await childProcessRunner.run(exe, [], { timeoutMs: 10_000 });
    expect(result).toEqual({
      exitCode: 3,
      stdout: '{"ok":true}\n',
      stderr: 'warning: slow\n',
      timedOut: false,
    });
  });

  test('passes the extra environment and working directory', async () => {
    const exe = bin.script('tool', 'echo "$GRYPE_DB_CACHE_DIR $(pwd)"');
    const result = await childProcessRunner.run(exe, [], {
      timeoutMs: 10_000,
      env: { GRYPE_DB_CACHE_DIR: '/cache' },
      cwd: bin.dir,
    });
    expect(result.stdout.trim()).toBe(`/cache ${bin.dir}`);
  });

  test('on timeout it kills the whole process group, children included', async () => {
    const exe = bin.script('tool', 'sleep 30 & echo $! > "$D/child"; wait');
    const started = Date.now();
    const result = await childProcessRunner.run(exe, [], { timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    const child = Number(bin.read('child'));
    await new Promise((r) => setTimeout(r, 100));
    expect(isRunning(child)).toBe(false);
  });

  test('a command that cannot start is a scanner error', async () => {
    const err = await childProcessRunner
      .run(`${bin.dir}/absent`, [], { timeoutMs: 1_000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GateError);
    expect(err).toMatchObject({ code: 'scanner', message: expect.stringMatching(/^cannot run/) });
  });
});

/** Gone, or a zombie waiting for a reaper (PID 1 in a container may never reap it). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

describe('finding a scanner on PATH', () => {
  test('takes the first executable of that name', () => {
    const exe = bin.script('trivy', 'exit 0');
    expect(findOnPath('trivy', `/nonexistent:${bin.dir}`)).toBe(exe);
    expect(findOnPath('grype', bin.dir)).toBeUndefined();
  });
});

test('the last line of stderr is what an error message carries', () => {
  expect(lastLine('INFO one\nINFO two\nFATAL it broke\n\n')).toBe('FATAL it broke');
  expect(lastLine('x'.repeat(400))).toHaveLength(301);
});
