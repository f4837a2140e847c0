/**
 * A registry over HTTPS with a self-signed certificate: refused by default, read with
 * --tls-verify=false. Loopback IPs and `localhost` are always plain HTTP (as Docker does), so
 * the registry is named by another host name that /etc/hosts maps to 127.0.0.1 on these machines.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { isLoopbackHost } from '../../src/image/registry/transport.js';
import { testImage } from '../helpers/env.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

let dir: string;
let registry: ChildProcess;
let host: string;

/** A name that resolves to 127.0.0.1 but that image-gate does not treat as loopback. */
function loopbackAlias(): string {
  for (const line of readFileSync('/etc/hosts', 'utf8').split('\n')) {
    const [ip, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    const name = names.find((n) => !isLoopbackHost(n));
    if (ip?.startsWith('127.') && name) return name;
  }
  throw new Error('no host name in /etc/hosts maps to 127.0.0.1 besides localhost');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ig-tls-'));
  const name = loopbackAlias();
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
    '-addext',
    `subjectAltName=DNS:${name}`,
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
  ]);
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  host = `${name}:${port}`;
  await writeFile(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log: { level: error }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} } }`,
      `http: { addr: "127.0.0.1:${port}", tls: { certificate: ${join(dir, 'cert.pem')}, key: ${join(dir, 'key.pem')} } }`,
      '',
    ].join('\n'),
  );
  registry = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const up = await run('skopeo', [
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      testImage('good').oci,
      `docker://${host}/tls/good:latest`,
    ]).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error('the TLS registry did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
});

afterAll(async () => {
  registry?.kill();
  await rm(dir, { recursive: true, force: true });
});

async function inspect(
  ...flags: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [CLI, 'inspect', `docker://${host}/tls/good:latest`, ...flags]).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}

test('a self-signed registry is refused, with a hint, unless --tls-verify=false', async () => {
  const refused = await inspect();
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain(host.split(':')[0]);
  expect(refused.stderr).toMatch(/certificate|tls-verify/i);
  const read = await inspect('--tls-verify=false', '--format', 'json');
  expect(read.code).toBe(0);
  expect((JSON.parse(read.stdout) as { layers: unknown[] }).layers.length).toBe(4);
});
