/**
 * Helpers for the signing tests: each test signs its own copy of a test image (so signatures
 * never leak into images other tests read), a registry with the referrers API, and keys.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateKeyPair, loadSigningKey, type SigningKey } from '../../src/sign/keys.js';
import { testEnv } from './env.js';

const run = promisify(execFile);

export const TOOLS =
  process.env.IMAGE_GATE_TOOLS_DIR ??
  join(process.env.HOME ?? '/root', '.cache', 'image-gate-tools');
export const COSIGN = process.env.IMAGE_GATE_COSIGN ?? join(TOOLS, 'cosign-3.1.3', 'cosign');
export const REFERRERS_REGISTRY = join(TOOLS, 'referrers-registry', 'referrers-registry');

/** Copies `image-gate-test/<name>:latest` (all platforms, digests kept) to `<registry>/<repo>:<tag>`. */
export async function copyTestImage(
  name: string,
  repo: string,
  tag = 'v1',
  registry = testEnv().registry,
): Promise<string> {
  const dest = `${registry}/${repo}:${tag}`;
  await run('skopeo', [
    'copy',
    '--all',
    '--preserve-digests',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    `docker://${testEnv().registry}/image-gate-test/${name}:latest`,
    `docker://${dest}`,
  ]);
  return dest;
}

/** A unique repository name per test run, so reruns never see old signatures. */
export function freshRepo(label: string): string {
  return `image-gate-sign/${label}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** A new P-256 key pair written as cosign.key (encrypted with `password`) and cosign.pub. */
export async function writeKeyPair(
  dir: string,
  name: string,
  password = 'test-password',
): Promise<{ keyPath: string; pubPath: string; key: SigningKey; password: string }> {
  const { privatePem, publicPem } = generateKeyPair(password);
  const keyPath = join(dir, `${name}.key`);
  const pubPath = join(dir, `${name}.pub`);
  await writeFile(keyPath, privatePem, { mode: 0o600 });
  await writeFile(pubPath, publicPem);
  return { keyPath, pubPath, key: loadSigningKey(privatePem, () => password, keyPath), password };
}

/** go-containerregistry's registry with the referrers API on, on a free loopback port. */
export async function startReferrersRegistry(): Promise<{ registry: string; stop: () => void }> {
  if (!existsSync(REFERRERS_REGISTRY)) {
    throw new Error(`${REFERRERS_REGISTRY} is not built: run bash test/env/setup.sh`);
  }
  const port = await freePort();
  const child: ChildProcess = spawn(REFERRERS_REGISTRY, [`127.0.0.1:${port}`], {
    stdio: 'ignore',
  });
  const registry = `127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`http://${registry}/v2/`);
      if (res.ok) return { registry, stop: () => child.pid && process.kill(child.pid) };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (child.pid) process.kill(child.pid);
  throw new Error('the referrers registry did not start');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Runs a program; never throws, returns its exit code and output. */
export async function exec(
  file: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, {
      env: { ...process.env, ...env },
      maxBuffer: 16 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Runs the CLI in this process, capturing what it writes. */
export async function runCliCaptured(
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  const { runCli } = await import('../../src/cli/run.js');
  const out: string[] = [];
  const err: string[] = [];
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string) => (
    out.push(String(c)),
    true
  )) as typeof process.stdout.write;
  process.stderr.write = ((c: string) => (
    err.push(String(c)),
    true
  )) as typeof process.stderr.write;
  try {
    const code = await runCli(args);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
}
