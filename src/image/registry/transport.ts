import http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';

/**
 * One HTTP exchange over node:http/node:https. Not fetch: `--tls-verify=false` needs
 * `rejectUnauthorized: false` per agent, and Node 20 cannot import undici to get that.
 */

export interface TransportOptions {
  tlsVerify: boolean;
  userAgent: string;
  /** Time allowed for the TCP connection to open. */
  connectTimeoutMs: number;
  /** Time the socket may stay silent while waiting for or reading a response. */
  idleTimeoutMs: number;
  /** Deadline for the response headers, and grace period of the body. Default 30 s. */
  deadlineMs?: number;
  /** Slowest average body speed accepted after the grace period. Default 64 KiB/s. */
  minBytesPerSecond?: number;
}

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH';
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  url: URL;
}

/** A network failure with a Node-style `code`, so that retry decisions can look at it. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const DEADLINE_MS = 30_000;
const MIN_BYTES_PER_SECOND = 64 << 10;

export class Transport {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(readonly options: TransportOptions) {
    // Keep-alive: a layer walk makes dozens of requests to the same host. The agent timeout
    // closes idle pooled sockets; they are unref'd by Node so they never hold the process open.
    this.httpAgent = new http.Agent({ keepAlive: true, timeout: 15_000 });
    this.httpsAgent = new https.Agent({
      keepAlive: true,
      timeout: 15_000,
      rejectUnauthorized: options.tlsVerify,
    });
  }

  /** Resolves once the response headers arrive; the caller consumes or discards the body. */
  send(req: HttpRequest): Promise<HttpResponse> {
    const { url } = req;
    const isHttps = url.protocol === 'https:';
    const headers: Record<string, string> = {
      'User-Agent': this.options.userAgent,
      ...req.headers,
    };
    if (Buffer.isBuffer(req.body)) headers['Content-Length'] = String(req.body.length);
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      const request = (isHttps ? https : http).request(url, {
        method: req.method,
        headers,
        agent: isHttps ? this.httpsAgent : this.httpAgent,
      });
      request.on('error', fail);
      // Idle timeout: covers the wait for headers and, since the socket stays attached to the
      // request, every pause while the body is read.
      request.setTimeout(this.options.idleTimeoutMs, () => {
        request.destroy(
          new TransportError(
            `no data from ${url.host} for ${this.options.idleTimeoutMs} ms`,
            'ETIMEDOUT',
          ),
        );
      });
      request.on('socket', (socket) => {
        if (!socket.connecting) return; // a pooled keep-alive socket is already open
        const timer = setTimeout(() => {
          request.destroy(
            new TransportError(
              `connection to ${url.host} not established within ${this.options.connectTimeoutMs} ms`,
              'ETIMEDOUT',
            ),
          );
        }, this.options.connectTimeoutMs);
        socket.once('connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      // Counted from the end of the request body, so an upload's own length is not held against
      // the registry.
      const deadline = this.options.deadlineMs ?? DEADLINE_MS;
      let headersTimer: NodeJS.Timeout | undefined;
      request.once('finish', () => {
        headersTimer = setTimeout(() => {
          request.destroy(
            new TransportError(`${url.host} sent no response within ${deadline} ms`, 'EDEADLINE'),
          );
        }, deadline);
      });
      request.once('close', () => clearTimeout(headersTimer));
      request.on('response', (res) => {
        settled = true;
        clearTimeout(headersTimer);
        this.bodyDeadline(res, url);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url });
      });
      if (req.body === undefined) {
        request.end();
      } else if (Buffer.isBuffer(req.body)) {
        request.end(req.body);
      } else {
        const body = req.body;
        body.on('error', (err) => request.destroy(err));
        body.pipe(request);
      }
    });
  }

  private bodyDeadline(res: IncomingMessage, url: URL): void {
    enforceBodyDeadline(
      res,
      url.host,
      this.options.deadlineMs ?? DEADLINE_MS,
      this.options.minBytesPerSecond ?? MIN_BYTES_PER_SECOND,
    );
  }

  /** Closes pooled sockets; in-flight requests are not interrupted. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/**
 * An overall deadline for a response body, which grows only with the bytes actually delivered:
 * the grace period plus the time those bytes take at the minimum speed. A server that drips a
 * byte every few seconds (which no idle timer catches) is cut at the end of the grace period,
 * while a large blob at any reasonable speed never meets it. A declared Content-Length earns
 * no time, so it cannot buy an endless wait. Counted on the socket, so no data is consumed here.
 */
export function enforceBodyDeadline(
  res: IncomingMessage,
  peer: string,
  graceMs: number = DEADLINE_MS,
  minBytesPerSecond: number = MIN_BYTES_PER_SECOND,
): void {
  const socket = res.socket;
  const startBytes = socket?.bytesRead ?? 0;
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    const received = (socket?.bytesRead ?? startBytes) - startBytes;
    const elapsed = Date.now() - started;
    const allowed = graceMs + (received / minBytesPerSecond) * 1000;
    if (elapsed < allowed) {
      timer = setTimeout(check, allowed - elapsed + 1);
      return;
    }
    res.destroy(
      new TransportError(
        `${peer} sent ${received} bytes in ${Math.round(elapsed / 1000)} s, slower than the ${minBytesPerSecond} bytes/s allowed after the first ${graceMs / 1000} s`,
        'EDEADLINE',
      ),
    );
  };
  timer = setTimeout(check, graceMs);
  res.once('close', () => clearTimeout(timer));
}

/** Reads a whole body, refusing more than `maxBytes` (checked on Content-Length and as read). */
export async function readBody(
  res: HttpResponse,
  maxBytes: number,
  onTooLarge: (size: number) => Error,
): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.body.destroy();
    throw onTooLarge(declared);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      res.body.destroy();
      throw onTooLarge(total);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** Throws the body away without waiting; the socket goes back to the pool when it can. */
export function discard(res: HttpResponse): void {
  res.body.on('error', () => {});
  res.body.resume();
}

/** Reads at most `maxBytes` of an error body for the message, never failing. */
export async function readErrorBody(res: HttpResponse, maxBytes = 16 << 10): Promise<string> {
  try {
    return (await readBody(res, maxBytes, () => new Error('too large'))).toString('utf8');
  } catch {
    return '';
  }
}

/** `localhost`, 127.0.0.0/8 and ::1: Docker talks plain HTTP to these, and so do we. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** Splits `host[:port]`, `[v6]:port` or a bare IPv6 address into its host name. */
export function registryHostname(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']'));
  if (isIP(registry) === 6) return registry;
  const colon = registry.lastIndexOf(':');
  return colon < 0 ? registry : registry.slice(0, colon);
}

/** The base URL of a registry's API: Docker Hub's is registry-1.docker.io. */
export function registryEndpoint(registry: string): URL {
  if (registry === 'docker.io' || registry === 'index.docker.io') {
    return new URL('https://registry-1.docker.io');
  }
  const hostname = registryHostname(registry);
  const host = isIP(registry) === 6 ? `[${registry}]` : registry;
  return new URL(`${isLoopbackHost(hostname) ? 'http' : 'https'}://${host}`);
}

/** A URL for logs: origin and path only, since presigned query strings are credentials. */
export function redactUrl(url: URL): string {
  return `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}
