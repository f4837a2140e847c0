import { request, type IncomingMessage, type RequestOptions } from 'node:http';
import { createInterface } from 'node:readline';
import { GateError } from '../errors.js';

/**
 * A read-only Docker Engine API client for `watch`: only GET requests, so it works behind a
 * socket proxy that allows nothing else. Node's http speaks to the unix socket directly; the
 * Engine API needs no more than JSON over HTTP/1.1, so no client library is pulled in.
 */

/** The newest API version this client was written against; the engine's maximum may be lower. */
export const CLIENT_API_VERSION = '1.51';
/** Older engines lack fields watch relies on (RepoDigests binding, event filters). */
export const MIN_API_VERSION = '1.40';

export type ImageStore = 'classic' | 'containerd';

export interface EngineInfo {
  apiVersion: string;
  store: ImageStore;
  /** The engine host's name, for the `host` tag. */
  name: string;
  serverVersion: string;
}

/** The fields of `GET /containers/json` watch reads. */
export interface ContainerSummary {
  Id: string;
  Names?: string[];
  State?: string;
}

/** The fields of `GET /containers/{id}/json` watch reads. */
export interface ContainerInspect {
  Id: string;
  Name: string;
  /** The image the container was created from: config digest (classic) or manifest/index digest (containerd). */
  Image: string;
  /** The platform manifest, reported on the containerd store (API 1.48+). */
  ImageManifestDescriptor?: { digest?: string; mediaType?: string };
  State?: { Running?: boolean; Status?: string; StartedAt?: string };
  Config?: { User?: string; Image?: string; Labels?: Record<string, string> | null };
  HostConfig?: { Privileged?: boolean; CapAdd?: string[] | null };
}

/** The fields of `GET /images/{id}/json` watch reads. */
export interface ImageInspect {
  Id: string;
  RepoDigests?: string[] | null;
  RepoTags?: string[] | null;
  Descriptor?: { digest?: string };
}

export interface EngineEvent {
  Type: string;
  Action: string;
  Actor?: { ID?: string };
  time?: number;
  timeNano?: number;
}

export interface Endpoint {
  options: RequestOptions;
  describe: string;
}

export function engineEndpoint(dockerHost: string): Endpoint {
  if (dockerHost.startsWith('unix://')) {
    const socketPath = dockerHost.slice('unix://'.length);
    return { options: { socketPath }, describe: dockerHost };
  }
  const tcp = /^tcp:\/\/([^:/]+)(?::(\d+))?\/?$/.exec(dockerHost);
  if (tcp) return { options: { host: tcp[1], port: Number(tcp[2] ?? 2375) }, describe: dockerHost };
  throw new GateError(
    'usage',
    `unsupported DOCKER_HOST "${dockerHost}" (use unix:///path or tcp://host:port)`,
  );
}

const REQUEST_TIMEOUT_MS = 30_000;
/** An engine answer larger than this is refused: a hostile or broken endpoint stays bounded. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export class EngineClient {
  private version = '';
  constructor(readonly endpoint: Endpoint) {}

  get apiVersion(): string {
    return this.version;
  }

  /** `/_ping` → Api-Version; uses min(client, server) and refuses engines older than 1.40. */
  async negotiate(): Promise<string> {
    const res = await this.raw('/_ping');
    res.resume();
    if (res.statusCode !== 200) throw this.statusError(res.statusCode, '/_ping', '');
    const server = String(res.headers['api-version'] ?? '');
    if (!/^\d+\.\d+$/.test(server)) {
      throw new GateError(
        'daemon',
        `docker engine at ${this.endpoint.describe} sent no usable Api-Version on /_ping`,
      );
    }
    if (compareVersions(server, MIN_API_VERSION) < 0) {
      throw new GateError(
        'daemon',
        `docker engine at ${this.endpoint.describe} speaks API ${server}; watch needs ${MIN_API_VERSION} or newer`,
      );
    }
    this.version = compareVersions(server, CLIENT_API_VERSION) < 0 ? server : CLIENT_API_VERSION;
    return this.version;
  }

  async info(): Promise<EngineInfo> {
    const info = await this.getJson<{
      Name?: string;
      ServerVersion?: string;
      DriverStatus?: [string, string][] | null;
    }>('/info');
    if (!info)
      throw new GateError('daemon', `docker engine at ${this.endpoint.describe}: /info not found`);
    return {
      apiVersion: this.version,
      store: imageStore(info.DriverStatus ?? []),
      name: info.Name ?? '',
      serverVersion: info.ServerVersion ?? '',
    };
  }

  /** Running containers (the API's default), optionally narrowed by engine label filters. */
  async listContainers(labels: string[] = []): Promise<ContainerSummary[]> {
    const query = labels.length
      ? `?filters=${encodeURIComponent(JSON.stringify({ label: labels }))}`
      : '';
    return (await this.getJson<ContainerSummary[]>(`/containers/json${query}`)) ?? [];
  }

  /** `undefined` when the container is gone (it may vanish between list and inspect). */
  inspectContainer(id: string): Promise<ContainerInspect | undefined> {
    return this.getJson<ContainerInspect>(`/containers/${encodeURIComponent(id)}/json`);
  }

  inspectImage(id: string): Promise<ImageInspect | undefined> {
    return this.getJson<ImageInspect>(`/images/${encodeURIComponent(id)}/json`);
  }

  /** A tar of one path in the container's filesystem (read, never executed); `undefined` on 404. */
  async archive(id: string, path: string, maxBytes: number): Promise<Buffer | undefined> {
    const url = `/containers/${encodeURIComponent(id)}/archive?path=${encodeURIComponent(path)}`;
    const res = await this.raw(this.versioned(url));
    if (res.statusCode === 404) {
      res.resume();
      return undefined;
    }
    const body = await readBody(res, maxBytes, `${url} (limit ${maxBytes} bytes)`);
    if (res.statusCode !== 200) throw this.statusError(res.statusCode, url, body.toString('utf8'));
    return body;
  }

  /**
   * Subscribes to the engine's container and image events. Resolves once the engine has
   * answered, so a list made afterwards misses nothing the stream will not report; the
   * iterable ends when the engine closes the stream or `signal` aborts. `since` (unix seconds)
   * replays what the engine still holds.
   */
  async subscribe(signal: AbortSignal, since?: number): Promise<AsyncIterable<EngineEvent>> {
    const filters = {
      type: ['container', 'image'],
      event: ['start', 'die', 'destroy', 'pull', 'push', 'tag', 'untag', 'delete'],
    };
    const query =
      `?filters=${encodeURIComponent(JSON.stringify(filters))}` +
      (since !== undefined ? `&since=${since}` : '');
    const res = await this.raw(this.versioned(`/events${query}`), signal, false);
    if (res.statusCode !== 200) {
      const body = await readBody(res, 64 * 1024, '/events');
      throw this.statusError(res.statusCode, '/events', body.toString('utf8'));
    }
    return parseEvents(res);
  }

  private versioned(path: string): string {
    if (!this.version) throw new GateError('internal', 'engine API version not negotiated');
    return `/v${this.version}${path}`;
  }

  private async getJson<T>(path: string): Promise<T | undefined> {
    const url = this.versioned(path);
    const res = await this.raw(url);
    const body = await readBody(res, MAX_BODY_BYTES, path);
    if (res.statusCode === 404) return undefined;
    if (res.statusCode !== 200) throw this.statusError(res.statusCode, path, body.toString('utf8'));
    try {
      return JSON.parse(body.toString('utf8')) as T;
    } catch {
      throw new GateError(
        'daemon',
        `docker engine at ${this.endpoint.describe} sent malformed JSON for ${path}`,
      );
    }
  }

  private raw(path: string, signal?: AbortSignal, timeout = true): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          ...this.endpoint.options,
          path,
          method: 'GET',
          headers: { Host: 'docker' },
          ...(signal ? { signal } : {}),
        },
        resolve,
      );
      if (timeout) req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timed out')));
      req.on('error', (err) =>
        reject(
          new GateError(
            'daemon',
            `cannot reach the docker engine at ${this.endpoint.describe}: ${err.message}`,
            { cause: err },
          ),
        ),
      );
      req.end();
    });
  }

  private statusError(status: number | undefined, path: string, body: string): GateError {
    let message = body;
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      // not JSON: keep the text
    }
    return new GateError(
      'daemon',
      `docker engine at ${this.endpoint.describe} answered ${status} to GET ${path}: ${message.trim().slice(0, 200)}`,
    );
  }
}

/** The containerd image store reports its snapshotter as the driver type (moby daemon/info.go). */
export function imageStore(driverStatus: [string, string][]): ImageStore {
  return driverStatus.some(([k, v]) => k === 'driver-type' && v === 'io.containerd.snapshotter.v1')
    ? 'containerd'
    : 'classic';
}

export function compareVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}

async function* parseEvents(res: IncomingMessage): AsyncGenerator<EngineEvent> {
  const lines = createInterface({ input: res, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      // One event per line; a blank or oversized line is not an event.
      if (!line.trim() || line.length > 64 * 1024) continue;
      try {
        yield JSON.parse(line) as EngineEvent;
      } catch {
        // A garbled line is skipped; the periodic relist repairs whatever it would have said.
      }
    }
  } finally {
    res.destroy();
  }
}

async function readBody(res: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      res.destroy();
      throw new GateError('limit', `docker engine answer to ${what} is larger than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
