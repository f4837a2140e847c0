import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Counter, Gauge, Registry, type OpenMetricsContentType } from 'prom-client';
import { VERSION } from '../version.js';
import { WATCH_STATES, type ContainerReport } from './state.js';
import type { Sink, Snapshot } from './watcher.js';
import type { VerifyOutcome } from './verify.js';

/**
 * The Prometheus exposition of watch. prom-client renders both formats (text 0.0.4 with its
 * escaping and grouping, OpenMetrics 1.0 with `# EOF`); this file decides the series: one set
 * per running container, removed when the container goes, so labels stay bounded.
 */
export class PrometheusSink implements Sink {
  readonly text = new Registry();
  readonly openMetrics = openMetricsRegistry();
  private readonly info: Gauge;
  private readonly status: Gauge;
  private readonly root: Gauge;
  private readonly privileged: Gauge;
  private readonly capAdd: Gauge;
  private readonly verdictIssued: Gauge;
  private readonly byState: Gauge;
  private readonly up: Gauge;
  private readonly lastReconcile: Gauge;
  private readonly verifications: PairedCounter;
  private readonly errors: PairedCounter;
  private known = new Map<string, ContainerReport>();

  constructor() {
    const registers = [this.text, this.openMetrics];
    const gauge = (name: string, help: string, labelNames: string[] = []): Gauge =>
      new Gauge({ name: `image_gate_watch_${name}`, help, labelNames, registers });
    this.info = gauge('container_info', 'A running container and the image it runs (always 1).', [
      'container_id',
      'container_name',
      'image_ref',
      'image_id',
      'digest',
    ]);
    this.status = gauge(
      'container_status',
      'The state of a running container (always 1; the state is the label).',
      ['container_id', 'state'],
    );
    this.root = gauge(
      'container_root',
      '1 when the container runs as uid 0 or its user cannot be proven non-root.',
      ['container_id'],
    );
    this.privileged = gauge('container_privileged', '1 when the container is privileged.', [
      'container_id',
    ]);
    this.capAdd = gauge(
      'container_added_capabilities',
      'Number of capabilities added to the container (--cap-add).',
      ['container_id'],
    );
    this.verdictIssued = gauge(
      'verdict_issued_timestamp_seconds',
      'When the verdict that verified the container image was issued.',
      ['container_id'],
    );
    this.byState = gauge('containers', 'Running containers by state.', ['state']);
    this.up = gauge('engine_up', '1 when the Docker engine answers and events are followed.');
    this.lastReconcile = gauge(
      'last_reconcile_timestamp_seconds',
      'When the last full list of containers was reconciled.',
    );
    gauge('build_info', 'image-gate build information (always 1).', ['version']).set(
      { version: VERSION },
      1,
    );
    this.verifications = new PairedCounter(
      this,
      'image_gate_watch_verifications_total',
      'Image verifications made (cache misses), by result.',
      'result',
    );
    this.errors = new PairedCounter(
      this,
      'image_gate_watch_errors_total',
      'Failures by kind (engine, verify, influx).',
      'kind',
    );
    for (const state of WATCH_STATES) {
      this.byState.set({ state }, 0);
      this.verifications.inc({ result: state }, 0);
    }
    for (const kind of ['engine', 'verify', 'influx']) this.errors.inc({ kind }, 0);
    this.up.set(0);
  }

  snapshot(snapshot: Snapshot): void {
    const next = new Map(snapshot.containers.map((c) => [c.id, c]));
    for (const [id, old] of this.known) {
      if (!next.has(id) || changedLabels(old, next.get(id)!)) this.drop(old);
    }
    for (const c of snapshot.containers) this.set(c);
    this.known = next;
    for (const state of WATCH_STATES) {
      this.byState.set({ state }, snapshot.containers.filter((c) => c.state === state).length);
    }
    this.up.set(snapshot.engineUp ? 1 : 0);
    if (snapshot.lastReconcile) this.lastReconcile.set(snapshot.lastReconcile.getTime() / 1000);
  }

  verified(outcome: VerifyOutcome): void {
    this.verifications.inc({ result: outcome.state });
  }

  failed(kind: string): void {
    this.errors.inc({ kind });
  }

  /** The registry for a scrape's Accept header: OpenMetrics only when asked for. */
  registryFor(accept: string | undefined): Registry | Registry<OpenMetricsContentType> {
    return /application\/openmetrics-text/.test(accept ?? '') ? this.openMetrics : this.text;
  }

  private set(c: ContainerReport): void {
    const id = { container_id: c.id };
    this.info.set(infoLabels(c), 1);
    this.status.set({ ...id, state: c.state }, 1);
    this.root.set(id, c.root ? 1 : 0);
    this.privileged.set(id, c.privileged ? 1 : 0);
    this.capAdd.set(id, c.capAdd.length);
    if (c.verdictIssuedAt) this.verdictIssued.set(id, Date.parse(c.verdictIssuedAt) / 1000);
    else this.verdictIssued.remove(id);
  }

  private drop(c: ContainerReport): void {
    const id = { container_id: c.id };
    this.info.remove(infoLabels(c));
    this.status.remove({ ...id, state: c.state });
    for (const g of [this.root, this.privileged, this.capAdd, this.verdictIssued]) g.remove(id);
  }
}

/**
 * A counter kept once per registry. prom-client renames a counter object in place (drops
 * `_total`) when an OpenMetrics registry renders it, so one object shared by both registries
 * would lose `_total` in the text format after the first OpenMetrics scrape.
 */
class PairedCounter {
  private readonly counters: Counter[];
  constructor(sink: PrometheusSink, name: string, help: string, label: string) {
    this.counters = [sink.text, sink.openMetrics].map(
      (registry) => new Counter({ name, help, labelNames: [label], registers: [registry] }),
    );
  }

  inc(labels: Record<string, string>, by = 1): void {
    for (const c of this.counters) c.inc(labels, by);
  }
}

function infoLabels(c: ContainerReport): Record<string, string> {
  return {
    container_id: c.id,
    container_name: c.name,
    image_ref: c.image,
    image_id: c.imageId,
    digest: c.digest ?? '',
  };
}

function changedLabels(a: ContainerReport, b: ContainerReport): boolean {
  return (
    a.state !== b.state ||
    a.name !== b.name ||
    a.image !== b.image ||
    a.imageId !== b.imageId ||
    a.digest !== b.digest
  );
}

/** Serves /metrics on `host:port`; resolves once listening. */
export async function serveMetrics(
  sink: PrometheusSink,
  listen: { host: string; port: number },
): Promise<Server> {
  const server = createServer((req, res) => void handle(sink, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  return server;
}

async function handle(
  sink: PrometheusSink,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  if (path !== '/metrics') {
    res
      .writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' })
      .end('not found: try /metrics\n');
    return;
  }
  const registry = sink.registryFor(req.headers.accept);
  try {
    const body = await registry.metrics();
    res.writeHead(200, { 'Content-Type': registry.contentType });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (err) {
    res
      .writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' })
      .end(`${(err as Error).message}\n`);
  }
}

function openMetricsRegistry(): Registry<OpenMetricsContentType> {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  return registry;
}
