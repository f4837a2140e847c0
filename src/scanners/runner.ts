import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { GateError } from '../errors.js';

export interface RunOptions {
  /** Added to the inherited environment. */
  env?: Record<string, string>;
  timeoutMs: number;
  cwd?: string;
}

export interface RunResult {
  /** null when the process was killed by a signal (a timeout included). */
  exitCode: number | null;
  stdout: string;
  /** The tail of stderr only: scanners log a lot, and only the end explains a failure. */
  stderr: string;
  timedOut: boolean;
}

/** The one way image-gate starts a scanner, so tests can stand in for it. */
export interface CommandRunner {
  run(cmd: string, args: string[], options: RunOptions): Promise<RunResult>;
}

const MAX_STDOUT = 512 * 1024 * 1024; // a report larger than this is not one we can hold anyway
const STDERR_TAIL = 64 * 1024;

/**
 * Runs commands with child_process. The child leads its own process group, so a timeout kills the
 * scanner and anything it started (Trivy and Grype fork helpers), not just the parent.
 */
export const childProcessRunner: CommandRunner = {
  run(cmd, args, { env, timeoutMs, cwd }) {
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, {
        cwd,
        env: { ...process.env, ...env },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const stdout: Buffer[] = [];
      let stdoutBytes = 0;
      let stderr = '';
      let timedOut = false;
      const killGroup = () => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // The group is already gone.
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.length;
        if (stdoutBytes > MAX_STDOUT) killGroup();
        else stdout.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
      });
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(new GateError('scanner', `cannot run ${cmd}: ${err.message}`, { cause: err }));
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (stdoutBytes > MAX_STDOUT) stderr += `\noutput larger than ${MAX_STDOUT} bytes`;
        resolve({
          exitCode: code,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr,
          timedOut,
        });
      });
    });
  },
};

/** The first executable called `name` on PATH, or undefined. */
export function findOnPath(name: string, pathVar = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVar.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** The last non-empty line of `text`, shortened: what a one-line error message can carry. */
export function lastLine(text: string, max = 300): string {
  const line = text.trimEnd().split('\n').at(-1)?.trim() ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
