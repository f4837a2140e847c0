/**
 * A tiny HTTP server on 127.0.0.1 that plays a registry (or a token service, or a storage
 * backend) with handlers written in each test. It records every request it sees.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '../../../src/log.js';

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface FakeServer {
  port: number;
  /** `127.0.0.1:PORT`, the registry name a client is given. */
  host: string;
  requests: Seen[];
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export async function startFakeServer(initial?: Handler): Promise<FakeServer> {
  let handler: Handler = initial ?? ((_req, res) => send(res, 404, '{}'));
  const requests: Seen[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      handler(req, res, Buffer.concat(chunks));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    host: `127.0.0.1:${port}`,
    requests,
    handle(h) {
      handler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer = '',
  headers: Record<string, string> = {},
): void {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  res.writeHead(status, { 'Content-Length': String(bytes.length), ...headers });
  res.end(bytes);
}

/** Sends the headers and part of the body, then resets the TCP connection. */
export function resetMidway(
  res: ServerResponse,
  body: Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(200, { 'Content-Length': String(body.length), ...headers });
  res.write(body.subarray(0, Math.floor(body.length / 2)), () => {
    setTimeout(() => res.socket?.resetAndDestroy(), 20);
  });
}

export function sha256(b: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(b).digest('hex');
}

export function basic(user: string, pass: string): string {
  return 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
}

/** A logger that keeps every line, to check that no secret is ever written. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(m),
    info: (m) => lines.push(m),
    warn: (m) => lines.push(m),
  };
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** A small, valid-looking OCI manifest. */
export function ociManifest(extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256('{}'),
        size: 2,
      },
      layers: [],
      ...extra,
    }),
  );
}
