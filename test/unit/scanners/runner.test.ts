import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { GateError } from '../../../src/errors.js';
import { actionsExecRunner as runner, lastLine } from '../../../src/scanners/runner.js';
import { StandIns } from './stand-in.js';

let bin: StandIns;
beforeEach(() => {
  bin = new StandIns();
});
afterEach(() => bin.remove());

describe('the @actions/exec runner', () => {
  test('returns stdout, the exit code and stderr', async () => {
    const exe = bin.script('tool', 'echo "{\\"ok\\":true}"; echo "warning: slow" >&2; exit 3');
    const result = await runner.run(exe, [], { timeoutMs: 10_000, env: {} });
    expect(result).toEqual({
      exitCode: 3,
      stdout: '{"ok":true}\n',
      stderr: 'warning: slow\n',
      timedOut: false,
    });
  });

  test('the environment given is the whole environment, and the working directory is used', async () => {
    process.env.IMAGE_GATE_TEST_AMBIENT = 'leaked';
    const exe = bin.script(
      'tool',
      'echo "$GRYPE_DB_CACHE_DIR $(pwd) ${IMAGE_GATE_TEST_AMBIENT:-absent}"',
    );
    const result = await runner.run(exe, [], {
      timeoutMs: 10_000,
      env: { GRYPE_DB_CACHE_DIR: '/cache', PATH: process.env.PATH! },
      cwd: bin.dir,
    });
    delete process.env.IMAGE_GATE_TEST_AMBIENT;
    expect(result.stdout.trim()).toBe(`/cache ${bin.dir} absent`);
  });

  test('a scanner killed by a signal is not mistaken for a timeout', async () => {
    const exe = bin.script('tool', 'kill -SEGV $$');
    const result = await runner.run(exe, [], { timeoutMs: 10_000, env: {} });
    expect(result).toMatchObject({ exitCode: 139, timedOut: false });
    expect(lastLine(result.stderr)).toBe('killed by SIGSEGV');
  });

  test('on timeout it kills the whole process group, children included', async () => {
    const exe = bin.script('tool', 'sleep 30 & echo $! > "$D/child"; wait');
    const result = await runner.run(exe, [], { timeoutMs: 300, env: {} });
    expect(result).toMatchObject({ timedOut: true, exitCode: null });
    const child = Number(bin.read('child'));
    await new Promise((r) => setTimeout(r, 100));
    expect(isRunning(child)).toBe(false);
  });

  test('a command that cannot start is a scanner error', async () => {
    const err = await runner
      .run(`${bin.dir}/absent`, [], { timeoutMs: 1_000, env: {} })
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

describe('finding a scanner on PATH through the port', () => {
  test('takes the first executable of that name', async () => {
    const exe = bin.script('trivy', 'exit 0');
    const saved = process.env.PATH;
    process.env.PATH = `/nonexistent:${bin.dir}`;
    try {
      expect(await runner.which('trivy')).toBe(exe);
      expect(await runner.which('grype')).toBeUndefined();
    } finally {
      process.env.PATH = saved;
    }
  });
});

test('the last line of stderr is what an error message carries', () => {
  expect(lastLine('INFO one\nINFO two\nFATAL it broke\n\n')).toBe('FATAL it broke');
  expect(lastLine('x'.repeat(400))).toHaveLength(301);
});
