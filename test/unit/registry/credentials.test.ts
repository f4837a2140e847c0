import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GateError } from '../../../src/errors.js';
import { RegistryClient } from '../../../src/image/registry/client.js';
import { CredentialStore, dockerConfigDir } from '../../../src/image/registry/credentials.js';
import { basic, ociManifest, OCI_MANIFEST, send, startFakeServer } from './fake-registry.js';
import type { FakeServer } from './fake-registry.js';

let binDir: string;
let savedPath: string | undefined;
let server: FakeServer;
const dirs: string[] = [];

/**
 * A stand-in `docker-credential-test`: knows one server, prints the docker-credential-helpers
 * JSON for it, and answers "credentials not found" (exit 1) for anything else.
 */
async function writeHelper(knownServer: string): Promise<void> {
  const script = `#!/bin/sh
read server
if [ "$server" = "${knownServer}" ]; then
  printf '{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret"}' "$server"
elif [ "$server" = "token.example" ]; then
  printf '{"ServerURL":"%s","Username":"<token>","Secret":"refresh-me"}' "$server"
elif [ "$server" = "broken.example" ]; then
  echo "keychain locked" >&2
  exit 3
else
  echo "credentials not found in native keychain"
  exit 1
fi
`;
  const file = join(binDir, 'docker-credential-test');
  await writeFile(file, script);
  await chmod(file, 0o755);
}

async function configDir(config: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ig-creds-'));
  dirs.push(dir);
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

beforeAll(async () => {
  server = await startFakeServer();
  binDir = await mkdtemp(join(tmpdir(), 'ig-helper-bin-'));
  await writeHelper(server.host);
  savedPath = process.env.PATH;
  process.env.PATH = `${binDir}${delimiter}${savedPath ?? ''}`;
});

afterAll(async () => {
  process.env.PATH = savedPath;
  await server.close();
  await rm(binDir, { recursive: true, force: true });
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('docker config.json', () => {
  test('auths: base64 auth, username/password, identitytoken; URL keys match bare hosts', async () => {
    const dir = await configDir({
      auths: {
        'a.example': { auth: Buffer.from('u1:p:with:colons').toString('base64') },
        'https://b.example/v1/': { username: 'u2', password: 'p2' },
        'c.example': { identitytoken: 'id-token' },
        'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw').toString('base64') },
      },
    });
    const store = new CredentialStore(dir);
    expect(await store.get('a.example')).toEqual({ username: 'u1', password: 'p:with:colons' });
    expect(await store.get('b.example')).toEqual({ username: 'u2', password: 'p2' });
    expect(await store.get('c.example')).toEqual({ identityToken: 'id-token' });
    expect(await store.get('docker.io')).toEqual({ username: 'hub', password: 'pw' });
    expect(await store.get('nowhere.example')).toBeUndefined();
  });

  test('a missing config means anonymous; a broken one is an auth error', async () => {
    expect(
      await new CredentialStore(join(tmpdir(), 'does-not-exist-ig')).get('x.example'),
    ).toBeUndefined();
    const dir = await mkdtemp(join(tmpdir(), 'ig-creds-'));
    dirs.push(dir);
    await writeFile(join(dir, 'config.json'), '{ not json');
    await expect(new CredentialStore(dir).get('x.example')).rejects.toMatchObject({ code: 'auth' });
  });

  test('DOCKER_CONFIG wins over ~/.docker', () => {
    expect(dockerConfigDir({ DOCKER_CONFIG: '/cfg' })).toBe('/cfg');
    expect(dockerConfigDir({})).toMatch(/\.docker$/);
  });
});

describe('credential helpers on PATH', () => {
  test('credHelpers: the helper gets the host on stdin; its answer is used', async () => {
    const dir = await configDir({ credHelpers: { [server.host]: 'test' } });
    expect(await new CredentialStore(dir).get(server.host)).toEqual({
      username: 'helper-user',
      password: 'helper-secret',
    });
  });

  test('a `<token>` user is an identity token', async () => {
    const dir = await configDir({ credsStore: 'test' });
    expect(await new CredentialStore(dir).get('token.example')).toEqual({
      identityToken: 'refresh-me',
    });
  });

  test('credsStore without an entry falls back to auths', async () => {
    const dir = await configDir({
      credsStore: 'test',
      auths: { 'd.example': { username: 'd', password: 'dp' } },
    });
    expect(await new CredentialStore(dir).get('d.example')).toEqual({
      username: 'd',
      password: 'dp',
    });
  });

  test('a failing helper or a missing one is an auth error', async () => {
    const dir = await configDir({ credsStore: 'test', credHelpers: { 'gone.example': 'absent' } });
    const store = new CredentialStore(dir);
    const broken = await store.get('broken.example').catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(GateError);
    expect((broken as GateError).message).toBe(
      'credential helper docker-credential-test failed for broken.example: keychain locked',
    );
    await expect(store.get('gone.example')).rejects.toThrow(
      /docker-credential-absent is not on PATH/,
    );
  });

  test('end to end: a registry asking for Basic gets the helper credentials', async () => {
    const dir = await configDir({ credHelpers: { [server.host]: 'test' } });
    const manifest = ociManifest();
    server.handle((req, res) => {
      if (req.headers.authorization !== basic('helper-user', 'helper-secret')) {
        return send(res, 401, '', { 'WWW-Authenticate': 'Basic realm="fake"' });
      }
      send(res, 200, manifest, { 'Content-Type': OCI_MANIFEST });
    });
    const client = new RegistryClient({ dockerConfigDir: dir, retries: 0 });
    try {
      const got = await client.getManifest(
        { registry: server.host, repository: 'demo/app' },
        'latest',
        [],
      );
      expect(got.bytes).toEqual(manifest);
    } finally {
      await client.close();
    }
  });

  test('an injected runner replaces the helper process', async () => {
    const dir = await configDir({ credHelpers: { 'e.example': 'custom' } });
    const asked: string[] = [];
    const store = new CredentialStore(dir, async (helper, serverUrl) => {
      asked.push(`${helper} ${serverUrl}`);
      return { username: 'x', password: 'y' };
    });
    expect(await store.get('e.example')).toEqual({ username: 'x', password: 'y' });
    await store.get('e.example');
    expect(asked).toEqual(['custom e.example']); // asked once, then cached
  });
});
