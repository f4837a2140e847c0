import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { GateError } from '../../../src/errors.js';
import { RegistryClient } from '../../../src/image/registry/client.js';
import type { RegistryClientOptions } from '../../../src/image/registry/client.js';
import { MANIFEST_ACCEPT } from '../../../src/image/registry/media-types.js';
import {
  basic,
  ociManifest,
  OCI_MANIFEST,
  recordingLogger,
  resetMidway,
  send,
  sha256,
  startFakeServer,
} from './fake-registry.js';
import type { FakeServer } from './fake-registry.js';

let server: FakeServer;
let emptyConfig: string;
const clients: RegistryClient[] = [];
const sleeps: number[] = [];
const configDirs: string[] = [];

/** A client with no real waits, no real docker config, and short timeouts. */
function client(options: RegistryClientOptions = {}): RegistryClient {
  const c = new RegistryClient({
    dockerConfigDir: emptyConfig,
    retries: 2,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    connectTimeoutMs: 2000,
    idleTimeoutMs: 2000,
    ...options,
  });
  clients.push(c);
  return c;
}

async function configDir(config: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ig-docker-config-'));
  configDirs.push(dir);
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

async function failure(p: Promise<unknown>): Promise<GateError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GateError);
  return err as GateError;
}

beforeAll(async () => {
  server = await startFakeServer();
  emptyConfig = await mkdtemp(join(tmpdir(), 'ig-empty-config-'));
});

afterEach(async () => {
  server.requests.length = 0;
  sleeps.length = 0;
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await server.close();
  for (const d of [emptyConfig, ...configDirs]) await rm(d, { recursive: true, force: true });
});

const manifest = ociManifest();
const manifestDigest = sha256(manifest);

function repo() {
  return { registry: server.host, repository: 'demo/app' };
}

describe('manifests', () => {
  test('by tag, anonymously, over plain HTTP to a loopback registry', async () => {
    server.handle((req, res) => {
      expect(req.url).toBe('/v2/demo/app/manifests/latest');
      send(res, 200, manifest, {
        'Content-Type': OCI_MANIFEST,
        'Docker-Content-Digest': manifestDigest,
      });
    });
    const got = await client({ userAgent: 'image-gate-test' }).getManifest(
      repo(),
      'latest',
      MANIFEST_ACCEPT,
    );
    expect(got).toEqual({ bytes: manifest, mediaType: OCI_MANIFEST, digest: manifestDigest });
    expect(server.requests[0]!.headers.accept).toBe(MANIFEST_ACCEPT.join(', '));
    expect(server.requests[0]!.headers['user-agent']).toBe('image-gate-test');
  });

  test('by digest, verified', async () => {
    server.handle((_req, res) => send(res, 200, manifest, { 'Content-Type': OCI_MANIFEST }));
    const got = await client().getManifest(repo(), manifestDigest, MANIFEST_ACCEPT);
    expect(got.digest).toBe(manifestDigest);
    expect(server.requests[0]!.url).toBe(`/v2/demo/app/manifests/${manifestDigest}`);
  });

  test('a digest mismatch is a digest error naming the registry', async () => {
    const asked = sha256('something else');
    server.handle((_req, res) => send(res, 200, manifest, { 'Content-Type': OCI_MANIFEST }));
    const err = await failure(client().getManifest(repo(), asked, MANIFEST_ACCEPT));
    expect(err.code).toBe('digest');
    expect(err.message).toContain(server.host);
    expect(err.message).toContain(`expected ${asked}, got ${manifestDigest}`);
  });

  test('a tag whose Docker-Content-Digest does not match the bytes is refused', async () => {
    const wrong = sha256('tampered');
    server.handle((_req, res) =>
      send(res, 200, manifest, { 'Content-Type': OCI_MANIFEST, 'Docker-Content-Digest': wrong }),
    );
    const err = await failure(client().getManifest(repo(), 'v1', MANIFEST_ACCEPT));
    expect(err.code).toBe('digest');
    expect(err.message).toContain('manifest demo/app:v1');
  });

  test.each([
    ['a signed schema 1 content type', 'application/vnd.docker.distribution.manifest.v1+prettyjws'],
    ['plain JSON with schemaVersion 1', 'application/json'],
  ])('schema 1 is refused: %s', async (_name, contentType) => {
    const schema1 = Buffer.from(
      JSON.stringify({ schemaVersion: 1, name: 'demo/app', tag: 'old', fsLayers: [], history: [] }),
    );
    server.handle((_req, res) => send(res, 200, schema1, { 'Content-Type': contentType }));
    const err = await failure(client().getManifest(repo(), 'old', MANIFEST_ACCEPT));
    expect(err.code).toBe('format');
    expect(err.message).toMatch(/schema 1 manifests are not supported/);
  });

  test('the media type comes from the document when the Content-Type is generic', async () => {
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [] }));
    server.handle((_req, res) => send(res, 200, index, { 'Content-Type': 'application/json' }));
    const got = await client().getManifest(repo(), 'multi', MANIFEST_ACCEPT);
    expect(got.mediaType).toBe('application/vnd.oci.image.index.v1+json');
  });

  test('a 404 is not-found, naming registry, status and the registry error code', async () => {
    server.handle((_req, res) =>
      send(
        res,
        404,
        JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }),
      ),
    );
    const err = await failure(client().getManifest(repo(), 'latest', MANIFEST_ACCEPT));
    expect(err.code).toBe('not-found');
    expect(err.message).toBe(
      `registry ${server.host} answered 404 for manifest demo/app:latest: MANIFEST_UNKNOWN manifest unknown`,
    );
    expect(server.requests).toHaveLength(1); // a 404 is not retried
  });

  test('an oversized manifest is refused without reading it all', async () => {
    server.handle((_req, res) =>
      send(res, 200, Buffer.alloc(5 << 20, 0x20), { 'Content-Type': OCI_MANIFEST }),
    );
    const err = await failure(client().getManifest(repo(), 'big', MANIFEST_ACCEPT));
    expect(err.code).toBe('limit');
  });

  test('bad references never reach a URL', async () => {
    expect((await failure(client().getManifest(repo(), 'md5:abc', []))).code).toBe('format');
    expect((await failure(client().getManifest(repo(), '../x', []))).code).toBe('reference');
    const bad = { registry: server.host, repository: 'Demo/../x' };
    expect((await failure(client().getManifest(bad, 'latest', []))).code).toBe('reference');
    expect(server.requests).toHaveLength(0);
  });
});

describe('retries', () => {
  test('429 with Retry-After is honoured, then success', async () => {
    let n = 0;
    server.handle((_req, res) => {
      if (n++ === 0) return send(res, 429, '', { 'Retry-After': '3' });
      send(res, 200, manifest, { 'Content-Type': OCI_MANIFEST });
    });
    const got = await client().getManifest(repo(), 'latest', MANIFEST_ACCEPT);
    expect(got.digest).toBe(manifestDigest);
    expect(sleeps).toEqual([3000]);
  });

  test('Retry-After is capped', async () => {
    let n = 0;
    server.handle((_req, res) => {
      if (n++ === 0) return send(res, 429, '', { 'Retry-After': '86400' });
      send(res, 200, manifest, { 'Content-Type': OCI_MANIFEST });
    });
    await client({ retryMaxDelayMs: 5000 }).getManifest(repo(), 'latest', MANIFEST_ACCEPT);
    expect(sleeps).toEqual([5000]);
  });

  test('503 then success, with exponential backoff', async () => {
    let n = 0;
    server.handle((_req, res) => {
      if (n++ < 2) return send(res, 503, 'busy');
      send(res, 200, manifest, { 'Content-Type': OCI_MANIFEST });
    });
    await client({ retryBaseDelayMs: 100 }).getManifest(repo(), 'latest', MANIFEST_ACCEPT);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(sleeps[0]).toBeLessThanOrEqual(100);
    expect(sleeps[1]).toBeGreaterThanOrEqual(100);
    expect(sleeps[1]).toBeLessThanOrEqual(200);
  });

  test('503 for good gives up with the status in the message', async () => {
    server.handle((_req, res) => send(res, 503, ''));
    const err = await failure(
      client({ retries: 2 }).getManifest(repo(), 'latest', MANIFEST_ACCEPT),
    );
    expect(err.code).toBe('registry');
    expect(err.message).toBe(
      `registry ${server.host} answered 503 for manifest demo/app:latest (gave up after 3 attempts)`,
    );
    expect(server.requests).toHaveLength(3);
  });

  test('a connection reset half-way through a manifest is retried', async () => {
    let n = 0;
    server.handle((_req, res) => {
      if (n++ === 0) return resetMidway(res, manifest, { 'Content-Type': OCI_MANIFEST });
      send(res, 200, manifest, { 'Content-Type': OCI_MANIFEST });
    });
    const got = await client().getManifest(repo(), 'latest', MANIFEST_ACCEPT);
    expect(got.bytes).toEqual(manifest);
    expect(server.requests).toHaveLength(2);
  });

  test('an unreachable registry fails after the retries', async () => {
    const port = await closedPort();
    const c = client({ retries: 1 });
    const err = await failure(
      c.getManifest(
        { registry: `127.0.0.1:${port}`, repository: 'demo/app' },
        'latest',
        MANIFEST_ACCEPT,
      ),
    );
    expect(err.code).toBe('registry');
    expect(err.message).toMatch(
      new RegExp(
        `^cannot reach registry 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*\\(gave up after 2 attempts\\)$`,
      ),
    );
    expect(sleeps).toHaveLength(1);
  });

  test('a registry that never answers times out instead of hanging', async () => {
    server.handle(() => {
      /* never answer */
    });
    const c = client({ retries: 0, idleTimeoutMs: 150 });
    const started = Date.now();
    const err = await failure(c.getManifest(repo(), 'latest', MANIFEST_ACCEPT));
    expect(err.code).toBe('registry');
    expect(err.message).toMatch(/no data from .* for 150 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('blobs', () => {
  const blob = Buffer.from('x'.repeat(100_000));
  const blobDigest = sha256(blob);

  test('getBlobBytes verifies the digest', async () => {
    server.handle((_req, res) => send(res, 200, blob));
    expect(await client().getBlobBytes(repo(), blobDigest, 1 << 20)).toEqual(blob);
    const other = sha256('other');
    const err = await failure(client().getBlobBytes(repo(), other, 1 << 20));
    expect(err.code).toBe('digest');
    expect(err.message).toContain(`blob demo/app@${other}`);
    expect(err.message).toContain(server.host);
  });

  test('getBlobBytes refuses a blob over the bound', async () => {
    server.handle((_req, res) => send(res, 200, blob));
    const err = await failure(client().getBlobBytes(repo(), blobDigest, 1000));
    expect(err.code).toBe('limit');
  });

  test('a streamed blob resumes with a Range request after a reset', async () => {
    server.handle((req, res) => {
      const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
      if (!range) return resetMidway(res, blob);
      const start = Number(range[1]);
      send(res, 206, blob.subarray(start), {
        'Content-Range': `bytes ${start}-${blob.length - 1}/${blob.length}`,
      });
    });
    const body = await readAll(await client().getBlob(repo(), blobDigest));
    expect(sha256(body)).toBe(blobDigest);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.headers.range).toMatch(/^bytes=\d+-$/);
  });

  test('a streamed blob from a server that ignores Range skips what it already has', async () => {
    let n = 0;
    server.handle((_req, res) => (n++ === 0 ? resetMidway(res, blob) : send(res, 200, blob)));
    const body = await readAll(await client().getBlob(repo(), blobDigest));
    expect(body).toEqual(blob);
  });

  test('a stream that keeps breaking fails with a registry error', async () => {
    server.handle((_req, res) => resetMidway(res, blob));
    const stream = await client({ retries: 1 }).getBlob(repo(), blobDigest);
    const err = await failure(readAll(stream));
    expect(err.code).toBe('registry');
    expect(err.message).toContain(`reading blob demo/app@${blobDigest} failed`);
  });

  test('a redirect to another host is followed without the Authorization header', async () => {
    const storage = await startFakeServer((_req, res) => send(res, 200, blob));
    const token = startTokenService('repository:demo/app:pull');
    try {
      server.handle((req, res) => {
        if (req.url!.startsWith('/token')) return token(req, res);
        if (req.headers.authorization !== 'Bearer tok-1') return bearerChallenge(res);
        send(res, 307, '', { Location: `http://${storage.host}/blobs/data?sig=secret` });
      });
      const log = recordingLogger();
      const body = await readAll(await client({ log }).getBlob(repo(), blobDigest));
      expect(body).toEqual(blob);
      expect(storage.requests).toHaveLength(1);
      expect(storage.requests[0]!.headers.authorization).toBeUndefined();
      expect(log.lines.join('\n')).not.toContain('sig=secret'); // presigned URLs are secrets too
      expect(log.lines.join('\n')).not.toContain('tok-1');
    } finally {
      await storage.close();
    }
  });

  test('blobExists is a HEAD: 200 yes, 404 no', async () => {
    server.handle((req, res) => send(res, req.url!.includes(blobDigest) ? 200 : 404));
    expect(await client().blobExists(repo(), blobDigest)).toBe(true);
    expect(await client().blobExists(repo(), sha256('nope'))).toBe(false);
    expect(server.requests.map((r) => r.method)).toEqual(['HEAD', 'HEAD']);
  });
});

/** A token service that checks the scope and issues `tok-N`. */
function startTokenService(expectedScope: string, expectedAuth?: string) {
  let issued = 0;
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url!, 'http://x');
    if (
      url.searchParams.get('scope') !== expectedScope ||
      url.searchParams.get('service') !== 'fake'
    ) {
      return send(res, 400, 'bad scope');
    }
    if (expectedAuth !== undefined && req.headers.authorization !== expectedAuth) {
      return send(res, 401, '{"details":"incorrect username or password"}');
    }
    issued++;
    // Docker Hub answers `token`, others `access_token`: alternate to cover both.
    send(
      res,
      200,
      JSON.stringify(issued % 2 ? { token: `tok-${issued}` } : { access_token: `tok-${issued}` }),
    );
  };
}

function bearerChallenge(res: ServerResponse): void {
  send(
    res,
    401,
    JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }),
    {
      'WWW-Authenticate': `Bearer realm="http://${server.host}/token",service="fake",scope="repository:demo/app:pull"`,
    },
  );
}

describe('authentication', () => {
  test('Basic: credentials from config.json auths (base64 user:pass)', async () => {
    const dir = await configDir({
      auths: { [server.host]: { auth: Buffer.from('alice:s3cret').toString('base64') } },
    });
    server.handle((req, res) => {
      if (req.headers.authorization !== basic('alice', 's3cret')) {
        return send(res, 401, '', { 'WWW-Authenticate': 'Basic realm="fake"' });
      }
      send(res, 200, manifest, { 'Content-Type': OCI_MANIFEST });
    });
    const log = recordingLogger();
    const c = client({ dockerConfigDir: dir, log });
    await c.getManifest(repo(), 'latest', MANIFEST_ACCEPT);
    await c.getManifest(repo(), 'v2', MANIFEST_ACCEPT);
    // One challenge, then the scheme is known and credentials go up front.
    expect(server.requests.map((r) => r.headers.authorization !== undefined)).toEqual([
      false,
      true,
      true,
    ]);
    expect(log.lines.join('\n')).not.toMatch(/s3cret|YWxpY2U6czNjcmV0/);
  });

  test('Basic with no credentials says so', async () => {
    server.handle((_req, res) => send(res, 401, '', { 'WWW-Authenticate': 'Basic realm="fake"' }));
    const err = await failure(client().getManifest(repo(), 'latest', MANIFEST_ACCEPT));
    expect(err.code).toBe('auth');
    expect(err.message).toContain(`registry ${server.host} answered 401`);
    expect(err.message).toContain(`docker login ${server.host}`);
  });

  test('Basic with wrong credentials is an auth error naming registry and status', async () => {
    const dir = await configDir({
      auths: { [`https://${server.host}`]: { username: 'alice', password: 'wrong' } },
    });
    server.handle((_req, res) => send(res, 401, '', { 'WWW-Authenticate': 'Basic realm="fake"' }));
    const err = await failure(
      client({ dockerConfigDir: dir }).getManifest(repo(), 'latest', MANIFEST_ACCEPT),
    );
    expect(err.code).toBe('auth');
    expect(err.message).toBe(`registry ${server.host} answered 401 for manifest demo/app:latest`);
    expect(server.requests).toHaveLength(2); // anonymous, then once with credentials
  });

  test('Bearer: token for the right scope with basic credentials, cached across requests', async () => {
    const dir = await configDir({ auths: { [server.host]: { username: 'bob', password: 'pw' } } });
    const token = startTokenService('repository:demo/app:pull', basic('bob', 'pw'));
    server.handle((req, res) => {
      if (req.url!.startsWith('/token')) return token(req, res);
      if (req.headers.authorization !== 'Bearer tok-1') return bearerChallenge(res);
      send(res, 200, manifest, { 'Content-Type': OCI_MANIFEST });
    });
    const log = recordingLogger();
    const c = client({ dockerConfigDir: dir, log });
    await c.getManifest(repo(), 'latest', MANIFEST_ACCEPT);
    await c.getManifest(repo(), 'v2', MANIFEST_ACCEPT);
    const tokenRequests = server.requests.filter((r) => r.url.startsWith('/token'));
    expect(tokenRequests).toHaveLength(1);
    expect(new URL(tokenRequests[0]!.url, 'http://x').searchParams.get('account')).toBe('bob');
    expect(log.lines.join('\n')).not.toMatch(/tok-1|pw\b|Ym9iOnB3/);
  });

  test('Bearer, anonymous: the token request carries no credentials', async () => {
    const token = startTokenService('repository:demo/app:pull');
    server.handle((req, res) => {
      if (req.url!.startsWith('/token')) return token(req, res);
      if (req.headers.authorization !== 'Bearer tok-1') return bearerChallenge(res);
      send(res, 200, manifest, { 'Content-Type': OCI_MANIFEST });
    });
    await client().getManifest(repo(), 'latest', MANIFEST_ACCEPT);
    expect(
      server.requests.find((r) => r.url.startsWith('/token'))!.headers.authorization,
    ).toBeUndefined();
  });

  test('Bearer: a token service refusing the credentials is an auth error', async () => {
    const dir = await configDir({ auths: { [server.host]: { username: 'bob', password: 'bad' } } });
    const token = startTokenService('repository:demo/app:pull', basic('bob', 'pw'));
    server.handle((req, res) =>
      req.url!.startsWith('/token') ? token(req, res) : bearerChallenge(res),
    );
    const err = await failure(
      client({ dockerConfigDir: dir }).getManifest(repo(), 'latest', MANIFEST_ACCEPT),
    );
    expect(err.code).toBe('auth');
    expect(err.message).toContain(`registry ${server.host}`);
    expect(err.message).toContain('answered 401');
  });

  test('Bearer: a token the registry still refuses is retried once, then an auth error', async () => {
    const token = startTokenService('repository:demo/app:pull');
    server.handle((req, res) =>
      req.url!.startsWith('/token') ? token(req, res) : bearerChallenge(res),
    );
    const err = await failure(client().getManifest(repo(), 'latest', MANIFEST_ACCEPT));
    expect(err.code).toBe('auth');
    expect(err.message).toBe(
      `registry ${server.host} answered 401 for manifest demo/app:latest: UNAUTHORIZED authentication required`,
    );
    expect(server.requests.filter((r) => !r.url.startsWith('/token'))).toHaveLength(2);
  });

  test('Bearer: an expired token is replaced once', async () => {
    const token = startTokenService('repository:demo/app:pull');
    let accepted = 'Bearer tok-1';
    server.handle((req, res) => {
      if (req.url!.startsWith('/token')) return token(req, res);
      if (req.headers.authorization !== accepted) return bearerChallenge(res);
      send(res, 200, manifest, { 'Content-Type': OCI_MANIFEST });
    });
    const c = client();
    await c.getManifest(repo(), 'latest', MANIFEST_ACCEPT);
    accepted = 'Bearer tok-2'; // the registry revokes tok-1
    await c.getManifest(repo(), 'latest', MANIFEST_ACCEPT);
    expect(server.requests.filter((r) => r.url.startsWith('/token'))).toHaveLength(2);
  });
});

describe('pushing', () => {
  test('pushBlob and putManifest ask for a pull,push token and upload with ?digest=', async () => {
    const blob = Buffer.from('layer bytes');
    const token = startTokenService('repository:demo/app:pull,push');
    const uploads: string[] = [];
    server.handle((req, res, body) => {
      if (req.url!.startsWith('/token')) return token(req, res);
      if (req.headers.authorization !== 'Bearer tok-1') {
        return send(res, 401, '', {
          'WWW-Authenticate': `Bearer realm="http://${server.host}/token",service="fake"`,
        });
      }
      if (req.method === 'HEAD') return send(res, 404);
      if (req.method === 'POST') {
        return send(res, 202, '', { Location: '/v2/demo/app/blobs/uploads/u1?_state=abc' });
      }
      if (req.method === 'PUT' && req.url!.startsWith('/v2/demo/app/blobs/uploads/u1')) {
        uploads.push(req.url!);
        expect(body).toEqual(blob);
        return send(res, 201);
      }
      if (req.method === 'PUT' && req.url === '/v2/demo/app/manifests/v1') {
        expect(req.headers['content-type']).toBe(OCI_MANIFEST);
        return send(res, 201, '', { 'Docker-Content-Digest': sha256(body) });
      }
      send(res, 400);
    });
    const c = client();
    await c.pushBlob(repo(), sha256(blob), blob, blob.length);
    expect(await c.putManifest(repo(), 'v1', manifest, OCI_MANIFEST)).toBe(manifestDigest);
    expect(uploads).toEqual([
      `/v2/demo/app/blobs/uploads/u1?_state=abc&digest=${encodeURIComponent(sha256(blob))}`,
    ]);
    expect(server.requests.filter((r) => r.url.startsWith('/token'))).toHaveLength(1);
  });

  test('pushBlob refuses bytes that do not match their digest before sending anything', async () => {
    const err = await failure(client().pushBlob(repo(), sha256('a'), Buffer.from('b'), 1));
    expect(err.code).toBe('digest');
    expect(server.requests).toHaveLength(0);
  });

  test('an identity token is exchanged with the OAuth2 refresh_token POST', async () => {
    const dir = await configDir({ auths: { [server.host]: { identitytoken: 'refresh-secret' } } });
    server.handle((req, res, body) => {
      if (req.url === '/oauth') {
        const form = new URLSearchParams(body.toString());
        expect(req.method).toBe('POST');
        expect(form.get('grant_type')).toBe('refresh_token');
        expect(form.get('refresh_token')).toBe('refresh-secret');
        expect(form.get('scope')).toBe('repository:demo/app:pull');
        return send(res, 200, JSON.stringify({ access_token: 'oauth-tok', expires_in: 300 }));
      }
      if (req.headers.authorization !== 'Bearer oauth-tok') {
        return send(res, 401, '', {
          'WWW-Authenticate': `Bearer realm="http://${server.host}/oauth",service="fake"`,
        });
      }
      send(res, 200, manifest, { 'Content-Type': OCI_MANIFEST });
    });
    await client({ dockerConfigDir: dir }).getManifest(repo(), 'latest', MANIFEST_ACCEPT);
  });
});

describe('tags', () => {
  test('listTags follows Link pages', async () => {
    server.handle((req, res) => {
      if (req.url === '/v2/demo/app/tags/list') {
        return send(res, 200, JSON.stringify({ name: 'demo/app', tags: ['a', 'b'] }), {
          Link: '</v2/demo/app/tags/list?last=b&n=2>; rel="next"',
        });
      }
      expect(req.url).toBe('/v2/demo/app/tags/list?last=b&n=2');
      send(res, 200, JSON.stringify({ name: 'demo/app', tags: ['sha256-abc.sig'] }));
    });
    expect(await client().listTags(repo())).toEqual(['a', 'b', 'sha256-abc.sig']);
  });
});

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A port nothing listens on: bind one, note it, close it. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
