import { exec } from '@actions/exec';
import { GateError } from '../errors.js';
import type { BuildConfig } from './config.js';

/** Runs a command; resolves with its exit code and output (stdout and stderr interleaved). */
export type Exec = (
  command: string,
  args: string[],
  onOutput?: (chunk: string) => void,
) => Promise<{ code: number; output: string }>;

/**
 * Runs through @actions/exec, silently (the caller shows the output, with workflow commands
 * disabled, since a Dockerfile's RUN lines can print anything). A missing `docker` rejects.
 */
export const actionsExec: Exec = async (command, args, onOutput) => {
  let output = '';
  const take = (b: Buffer): void => {
    const text = b.toString('utf8');
    output += text;
    onOutput?.(text);
  };
  const code = await exec(command, args, {
    silent: true,
    ignoreReturnCode: true,
    listeners: { stdout: take, stderr: take },
  });
  return { code, output };
};

/** `docker buildx build --load …` when buildx is installed, else the classic `docker build`. */
export function buildArgs(b: BuildConfig, buildx: boolean): string[] {
  const args = buildx ? ['buildx', 'build', '--load'] : ['build'];
  if (b.file) args.push('--file', b.file);
  for (const a of b.buildArgs) args.push('--build-arg', a);
  if (b.target) args.push('--target', b.target);
  // The classic builder only knows --platform with an experimental daemon; buildx always does.
  if (b.platform && buildx) args.push('--platform', b.platform);
  for (const t of b.tags) args.push('--tag', t);
  args.push(b.context);
  return args;
}

/** The first tag as a `docker-daemon:` reference, which needs an explicit tag. */
export function daemonReference(tag: string): string {
  const lastSlash = tag.lastIndexOf('/');
  const hasTag = tag.includes('@') || tag.lastIndexOf(':') > lastSlash;
  return `docker-daemon:${hasTag ? tag : `${tag}:latest`}`;
}

/**
 * Builds the image into the local engine and returns the reference to gate. The image is read
 * back through the engine API (`docker-daemon:`), so nothing is pushed before it passed.
 */
export async function buildImage(
  b: BuildConfig,
  exec: Exec,
  log: { info(m: string): void; untrusted(text: string): void },
): Promise<string> {
  const buildx =
    (await exec('docker', ['buildx', 'version']).catch(() => ({ code: 1 }))).code === 0;
  const args = buildArgs(b, buildx);
  log.info(`docker ${args.join(' ')}`);
  let result: { code: number; output: string };
  try {
    result = await exec('docker', args);
  } catch (err) {
    throw new GateError('daemon', `cannot run docker: ${(err as Error).message}`, { cause: err });
  }
  // Build output is the Dockerfile's: shown with workflow commands disabled.
  log.untrusted(result.output);
  if (result.code !== 0) {
    const last = result.output.trim().split('\n').slice(-1)[0] ?? '';
    throw new GateError(
      'daemon',
      `docker ${buildx ? 'buildx build' : 'build'} failed (exit ${result.code}): ${last}`,
    );
  }
  return daemonReference(b.tags[0]!);
}
