/**
 * The InfluxDB writer's HTTP behaviour. The real InfluxDB 1.6 is tested in test/itg/watch; this
 * stand-in covers what it cannot be made to do on purpose: answer 503, refuse with 400, or speak
 * the 2.x /api/v2/write endpoint (1.6 has none).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { silentLogger, type Logger } from '../../../src/log.js';
import { InfluxSink, type InfluxTarget } from '../../../src/watch/influx.js';

interface Seen {
  url: string;
  auth: string | undefined;
  body: string;
}

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function standIn(statuses: number[]): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const c of req) body += String(c);
    seen.push({ url: req.url!, auth: req.headers.authorization, body });
    res.writeHead(statuses.shift() ?? 204).end(statuses.length >= 0 ? '{"error":"x"}' : '');
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, seen };
}

function sink(target: InfluxTarget, log: Logger = silentLogger, batchSize = 5000) {
  let errors = 0;
  const s = new InfluxSink({
    target,
    log,
    batchSize,
    baseDelayMs: 1,
    attempts: 3,
    onError: () => errors++,
  });
  return { s, errors: () => errors };
}

describe('InfluxSink', () => {
  test('1.x: /write with db, rp, ns precision and basic auth', async () => {
    const { url, seen } = await standIn([204]);
    const { s } = sink({
      version: 1,
      url,
      database: 'ops',
      retentionPolicy: 'week',
      username: 'u',
      password: 'p w',
    });
    s.add(['m v=1i 1']);
    await s.flush();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe('/write?db=ops&precision=ns&rp=week');
    expect(seen[0]!.auth).toBe(`Basic ${Buffer.from('u:p w').toString('base64')}`);
    expect(seen[0]!.body).toBe('m v=1i 1\n');
  });

  test('2.x: /api/v2/write with org, bucket and a token', async () => {
    const { url, seen } = await standIn([204]);
    const { s } = sink({
      version: 2,
      url: `${url}/base/`,
      org: 'my org',
      bucket: 'b',
      token: 't0k',
    });
    s.add(['m v=1i 1']);
    await s.flush();
    expect(seen[0]!.url).toBe('/base/api/v2/write?org=my+org&bucket=b&precision=ns');
    expect(seen[0]!.auth).toBe('Token t0k');
  });

  test('retries a 5xx with backoff, then succeeds', async () => {
    const { url, seen } = await standIn([503, 500, 204]);
    const { s, errors } = sink({ version: 1, url, database: 'd' });
    s.add(['m v=1i 1']);
    await s.flush();
    expect(seen).toHaveLength(3);
    expect(s.waiting).toBe(0);
    expect(errors()).toBe(2);
  });

  test('a 400 is not retried: logged and dropped', async () => {
    const { url, seen } = await standIn([400]);
    const warnings: string[] = [];
    const { s } = sink(
      { version: 1, url, database: 'd' },
      { ...silentLogger, warn: (m) => warnings.push(m) },
    );
    s.add(['bad line']);
    await s.flush();
    expect(seen).toHaveLength(1);
    expect(s.waiting).toBe(0);
    expect(warnings[0]).toMatch(/refused 1 points with HTTP 400/);
  });

  test('an unreachable endpoint keeps the points for later and never throws', async () => {
    const { url, seen } = await standIn([]);
    await new Promise<void>((r) => server!.close(() => r()));
    const warnings: string[] = [];
    const { s } = sink(
      { version: 1, url, database: 'd' },
      { ...silentLogger, warn: (m) => warnings.push(m) },
    );
    s.add(['m v=1i 1', 'm v=2i 2']);
    await expect(s.flush()).resolves.toBeUndefined();
    expect(s.waiting).toBe(2);
    expect(warnings.some((w) => /attempt 3\/3/.test(w))).toBe(true);
    // Back up on the same port: the kept points go out with the next flush.
    const port = Number(new URL(url).port);
    server = createServer(async (req, res) => {
      let body = '';
      for await (const c of req) body += String(c);
      seen.push({ url: req.url!, auth: undefined, body });
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', () => r()));
    await s.flush();
    expect(s.waiting).toBe(0);
    expect(seen.map((x) => x.body)).toEqual(['m v=1i 1\nm v=2i 2\n']);
  });

  test('batches by size', async () => {
    const { url, seen } = await standIn([]);
    const { s } = sink({ version: 1, url, database: 'd' }, silentLogger, 2);
    s.add(['a v=1i 1', 'a v=2i 2', 'a v=3i 3', 'a v=4i 4', 'a v=5i 5']);
    await s.flush();
    expect(seen.map((x) => x.body.trim().split('\n').length)).toEqual([2, 2, 1]);
  });

  test('the waiting queue is bounded: the oldest points go first', () => {
    const s = new InfluxSink({
      target: { version: 1, url: 'http://127.0.0.1:9', database: 'd' },
      log: silentLogger,
      maxPending: 3,
    });
    s.add(['1', '2', '3', '4', '5']);
    expect(s.waiting).toBe(3);
  });
});
