import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readBody, Transport } from '../../../src/image/registry/transport.js';
import { startFakeServer, type FakeServer } from './fake-registry.js';

let server: FakeServer;
const timers = new Set<NodeJS.Timeout>();
beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(async () => {
  for (const t of timers) clearInterval(t);
  await server.close();
});

/** Grace 400 ms, then at least 1000 bytes/s on average. */
const transport = (): Transport =>
  new Transport({
    tlsVerify: true,
    userAgent: 'test',
    connectTimeoutMs: 5000,
    idleTimeoutMs: 60_000,
    deadlineMs: 400,
    minBytesPerSecond: 1000,
  });

const url = (): URL => new URL(`http://${server.host}/v2/x/manifests/latest`);

describe('every request has an overall deadline, not only an idle timer', () => {
  test('a body dripped one byte at a time (never idle long enough for the idle timer) is cut, naming the host', async () => {
    server.handle((_req, res) => {
      // Declares a large body: a Content-Length must not buy time.
      res.writeHead(200, { 'Content-Length': String(1 << 30) });
      const t = setInterval(() => res.write('x'), 50);
      timers.add(t);
      res.on('close', () => clearInterval(t));
    });
    const res = await transport().send({ method: 'GET', url: url() });
    const err = await readBody(res, 2 ** 31, () => new Error('too large')).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error & { code: string }).code).toBe('EDEADLINE');
    expect((err as Error).message).toContain(server.host);
    expect((err as Error).message).toMatch(/slower than the 1000 bytes\/s/);
  });

  test('a registry that never sends its headers is cut at the deadline', async () => {
    server.handle(() => {
      // Accepts the request and says nothing.
    });
    const err = await transport()
      .send({ method: 'GET', url: url() })
      .catch((e: Error) => e);
    expect((err as Error & { code: string }).code).toBe('EDEADLINE');
    expect((err as Error).message).toBe(`${server.host} sent no response within 400 ms`);
  });

  test('a body that keeps the minimum speed is read to the end, however long it takes', async () => {
    server.handle((_req, res) => {
      res.writeHead(200);
      let sent = 0;
      // 2000 bytes/s for 1 s: well past the 400 ms grace, never below the minimum.
      const t = setInterval(() => {
        res.write(Buffer.alloc(200, 0x61));
        if ((sent += 200) >= 2000) {
          clearInterval(t);
          res.end();
        }
      }, 100);
      timers.add(t);
    });
    const res = await transport().send({ method: 'GET', url: url() });
    const body = await readBody(res, 1 << 20, () => new Error('too large'));
    expect(body.length).toBe(2000);
  });
});
