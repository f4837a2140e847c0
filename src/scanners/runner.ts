import { getExecOutput } from '@actions/exec';
import { which } from '@actions/io';
import { GateError, errorMessage } from '../errors.js';

export interface RunOptions {
  /** The complete environment of the command: nothing is inherited (see isolation.ts). */
  env: Record<string, string>;
  timeoutMs: number;
  /** Working directory; image-gate's own empty directory for scanners. */
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

/**
 * The one way image-gate starts an external tool and finds one on PATH, so tests can stand in
 * for it. See README.md in this folder for the contract the scanners are run under.
 */
export interface CommandRunner {
  run(cmd: string, args: string[], options: RunOptions): Promise<RunResult>;
  /** The executable `name` as PATH resolves it, or undefined when there is none. */
  which(name: string): Promise<string | undefined>;
}

const MAX_STDOUT = 512 * 1024 * 1024; // a report larger than this is not one we can hold anyway
const STDERR_TAIL = 64 * 1024;
const TIMEOUT_MARK = 'image-gate: timed out, process group killed';

/**
 * @actions/exec starts a process but gives no handle to stop it, and Trivy and Grype fork
 * helpers: a timeout must kill the whole process group. So the command runs under this small
 * Node supervisor (the same `node` that runs image-gate), which leads its own process group,
 * kills it with SIGKILL on timeout or when it is itself stopped, and passes the exit code on.
 * Written by hand because no library offers a group-killing timeout on top of @actions/exec.
 */
const SUPERVISOR = `
const { spawn } = require('node:child_process');
const { constants } = require('node:os');
const [ms, cmd, ...args] = process.argv.slice(1);
const child = spawn(cmd, args, { stdio: 'inherit', detached: true });
const kill = () => { try { process.kill(-child.pid, 'SIGKILL'); } catch {} };
const timer = setTimeout(() => { kill(); process.stderr.write('\\n${TIMEOUT_MARK}\\n'); process.exit(124); }, Number(ms));
for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, () => { kill(); process.exit(143); });
child.on('error', (e) => { clearTimeout(timer); process.stderr.write('\\ncannot run ' + cmd + ': ' + e.message + '\\n'); process.exit(127); });
child.on('exit', (code, signal) => {
  clearTimeout(timer);
  kill();
  if (signal) process.stderr.write('\\nkilled by ' + signal + '\\n');
  process.exit(code ?? 128 + (constants.signals[signal] ?? 9));
});
`;

/** Runs commands through @actions/exec (silently: nothing of theirs reaches our stdout). */
export const actionsExecRunner: CommandRunner = {
  async run(cmd, args, { env, timeoutMs, cwd }) {
    let stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let result;
    try {
      result = await getExecOutput(
        process.execPath,
        ['-e', SUPERVISOR, String(timeoutMs), cmd, ...args],
        {
          env,
          ...(cwd ? { cwd } : {}),
          silent: true,
          ignoreReturnCode: true,
          delay: 1000,
          listeners: {
            stdout: (chunk: Buffer) => {
              stdoutBytes += chunk.length;
              if (stdoutBytes <= MAX_STDOUT) stdout.push(chunk);
              else stdout = [];
            },
            stderr: (chunk: Buffer) => {
              stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
            },
          },
        },
      );
    } catch (err) {
      throw new GateError('scanner', `cannot run ${cmd}: ${errorMessage(err)}`, { cause: err });
    }
    const timedOut = result.exitCode === 124 && stderr.includes(TIMEOUT_MARK);
    const cannotStart = result.exitCode === 127 && /cannot run .*$/.exec(lastLine(stderr));
    if (cannotStart) throw new GateError('scanner', lastLine(stderr));
    if (stdoutBytes > MAX_STDOUT) stderr += `\noutput larger than ${MAX_STDOUT} bytes`;
    return {
      exitCode: timedOut ? null : result.exitCode,
      stdout: stdoutBytes > MAX_STDOUT ? '' : Buffer.concat(stdout).toString('utf8'),
      stderr: stderr.replace(`\n${TIMEOUT_MARK}\n`, ''),
      timedOut,
    };
  },
  async which(name) {
    return (await which(name, false)) || undefined;
  },
};

/** The last non-empty line of `text`, shortened: what a one-line error message can carry. */
export function lastLine(text: string, max = 300): string {
  const line = text.trimEnd().split('\n').at(-1)?.trim() ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
