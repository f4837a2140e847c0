import { errorMessage, GateError } from '../errors.js';
import type { Logger } from '../log.js';
import { formatPoint, type Point } from './line-protocol.js';
import type { ContainerReport } from './state.js';
import type { Sink, Snapshot } from './watcher.js';

export type InfluxTarget =
  | {
      version: 1;
      url: string;
      database: string;
      retentionPolicy?: string;
      username?: string;
      password?: string;
    }
  | { version: 2; url: string; org: string; bucket: string; token?: string };

export interface InfluxOptions {
  target: InfluxTarget;
  log: Logger;
  /** Lines per request. */
  batchSize?: number;
  /** Points kept while the endpoint is down; the oldest are dropped beyond this. */
  maxPending?: number;
  /** Attempts per batch before it is given back to the queue. */
  attempts?: number;
  baseDelayMs?: number;
  onError?: () => void;
  fetch?: typeof fetch;
}

const MEASUREMENT_CONTAINER = 'image_gate_watch_container';
const MEASUREMENT_ENGINE = 'image_gate_watch_engine';

/**
 * Points for one snapshot. Tags are the few bounded things one groups by (host, container
 * name, image repository, state); digests and IDs are fields, so they never create series.
 * Field types never change from write to write (InfluxDB fixes a field's type at first write).
 */
export function snapshotPoints(snapshot: Snapshot, timeNs: bigint): Point[] {
  const host = snapshot.info?.name ?? '';
  const points: Point[] = snapshot.containers.map((c) => containerPoint(c, host, timeNs));
  points.push({
    measurement: MEASUREMENT_ENGINE,
    tags: { host },
    fields: {
      up: { type: 'int', value: snapshot.engineUp ? 1 : 0 },
      containers: { type: 'int', value: snapshot.containers.length },
      not_verified: {
        type: 'int',
        value: snapshot.containers.filter((c) => c.state !== 'verified').length,
      },
    },
    timeNs,
  });
  return points;
}

function containerPoint(c: ContainerReport, host: string, timeNs: bigint): Point {
  return {
    measurement: MEASUREMENT_CONTAINER,
    tags: { host, container_name: c.name, image_repo: imageRepo(c.image), state: c.state },
    fields: {
      container_id: { type: 'string', value: c.id },
      image_ref: { type: 'string', value: c.image },
      image_id: { type: 'string', value: c.imageId },
      digest: { type: 'string', value: c.digest ?? '' },
      verified: { type: 'bool', value: c.state === 'verified' },
      root: { type: 'bool', value: c.root },
      privileged: { type: 'bool', value: c.privileged },
      added_capabilities: { type: 'int', value: c.capAdd.length },
      detail: { type: 'string', value: c.detail },
    },
    timeNs,
  };
}

/** `registry/repo:tag` or `repo@sha256:…` → `registry/repo`. */
export function imageRepo(ref: string): string {
  const noDigest = ref.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/**
 * Writes snapshots to InfluxDB 1.x (`/write`) or 2.x (`/api/v2/write`) in batches. A failed
 * write is retried with backoff on 5xx and network errors, logged, and kept (up to a bound)
 * for the next flush: an unreachable endpoint never stops the watch loop. A 4xx is a
 * configuration or data error: logged and dropped, since retrying cannot fix it.
 */
export class InfluxSink implements Sink {
  private pending: string[] = [];
  private flushing: Promise<void> | undefined;
  private dropped = 0;
  private readonly url: URL;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: InfluxOptions) {
    const { url, headers } = writeEndpoint(options.target);
    this.url = url;
    this.headers = headers;
  }

  snapshot(snapshot: Snapshot): void {
    const now = BigInt(Date.now()) * 1_000_000n;
    this.add(snapshotPoints(snapshot, now).map(formatPoint));
    void this.flush();
  }

  add(lines: string[]): void {
    this.pending.push(...lines);
    const max = this.options.maxPending ?? 100_000;
    if (this.pending.length > max) {
      const over = this.pending.length - max;
      this.pending.splice(0, over);
      this.dropped += over;
      this.options.log.warn(`influx: ${over} points dropped (more than ${max} waiting)`);
    }
  }

  get waiting(): number {
    return this.pending.length;
  }

  /** Sends everything waiting; one flush at a time. Never throws. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async drain(): Promise<void> {
    const size = this.options.batchSize ?? 5000;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, size);
      const ok = await this.send(batch);
      if (ok === 'retry-later') {
        this.pending.unshift(...batch);
        return;
      }
    }
  }

  private async send(batch: string[]): Promise<'sent' | 'dropped' | 'retry-later'> {
    const attempts = this.options.attempts ?? 4;
    const base = this.options.baseDelayMs ?? 500;
    const doFetch = this.options.fetch ?? fetch;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let problem: string;
      try {
        const res = await doFetch(this.url, {
          method: 'POST',
          headers: this.headers,
          body: `${batch.join('\n')}\n`,
          signal: AbortSignal.timeout(10_000),
        });
        const text = (await res.text()).slice(0, 300).trim();
        if (res.status >= 200 && res.status < 300) return 'sent';
        if (res.status < 500 && res.status !== 429) {
          this.options.onError?.();
          this.options.log.warn(
            `influx: ${this.url.origin} refused ${batch.length} points with HTTP ${res.status}: ${text}`,
          );
          return 'dropped';
        }
        problem = `HTTP ${res.status}: ${text}`;
      } catch (err) {
        problem = errorMessage(err);
      }
      this.options.onError?.();
      this.options.log.warn(
        `influx: write to ${this.url.origin} failed (attempt ${attempt}/${attempts}): ${problem}`,
      );
      if (attempt < attempts) await delay(base * 2 ** (attempt - 1));
    }
    return 'retry-later';
  }
}

function writeEndpoint(target: InfluxTarget): { url: URL; headers: Record<string, string> } {
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    throw new GateError('usage', `--influx-url is not a URL: "${target.url}"`);
  }
  const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
  const base = url.pathname.replace(/\/+$/, '');
  if (target.version === 1) {
    url.pathname = `${base}/write`;
    url.searchParams.set('db', target.database);
    url.searchParams.set('precision', 'ns');
    if (target.retentionPolicy) url.searchParams.set('rp', target.retentionPolicy);
    if (target.username !== undefined) {
      const pair = `${target.username}:${target.password ?? ''}`;
      headers.Authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    }
  } else {
    url.pathname = `${base}/api/v2/write`;
    url.searchParams.set('org', target.org);
    url.searchParams.set('bucket', target.bucket);
    url.searchParams.set('precision', 'ns');
    if (target.token) headers.Authorization = `Token ${target.token}`;
  }
  return { url, headers };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
