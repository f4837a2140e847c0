import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { BindDigest } from './bind.js';
import { VerificationCache } from './cache.js';
import type { EngineClient, EngineEvent, EngineInfo } from './engine.js';
import { evaluateContainer, type EvaluateContext } from './evaluate.js';
import type { ContainerReport } from './state.js';
import type { RootFacts } from './user.js';
import type { VerifyDigest, VerifyOutcome } from './verify.js';

/** What every output receives after each change: the whole current picture. */
export interface Snapshot {
  containers: ContainerReport[];
  engineUp: boolean;
  info?: EngineInfo;
  /** When the last full list-and-reconcile finished. */
  lastReconcile?: Date;
}

export interface Sink {
  snapshot(snapshot: Snapshot): void;
  /** A verification was made (not a cache hit). */
  verified?(outcome: VerifyOutcome): void;
  /** Something failed: `kind` is a small fixed word (engine, events, verify, influx). */
  failed?(kind: string): void;
}

export interface WatchOptions {
  engine: EngineClient;
  verify: VerifyDigest;
  /** How long a verification is reused. */
  ttlMs: number;
  /** Full relist interval: the event stream is lossy, this repairs what it missed. */
  relistMs: number;
  /** Engine label filters (`key` or `key=value`). */
  labels: string[];
  /** Classic store: checks registry digests against the running image. */
  bind?: BindDigest;
  sinks: Sink[];
  log: Logger;
  /** Evaluations run at once; the engine and the verifier are shared with everything else. */
  concurrency?: number;
  maxBackoffMs?: number;
}

/** One pass: negotiate, list, evaluate every running container. Throws when the engine fails. */
export async function watchOnce(
  options: Pick<WatchOptions, 'engine' | 'verify' | 'labels' | 'concurrency' | 'sinks' | 'bind'>,
): Promise<{ info: EngineInfo; containers: ContainerReport[] }> {
  await options.engine.negotiate();
  const info = await options.engine.info();
  const cache = new VerificationCache(options.verify, { ttlMs: Number.POSITIVE_INFINITY });
  const ctx: EvaluateContext = {
    engine: options.engine,
    store: info.store,
    cache,
    ...(options.bind ? { bind: options.bind } : {}),
    onVerified: (o) => options.sinks.forEach((s) => s.verified?.(o)),
  };
  const list = await options.engine.listContainers(options.labels);
  const reports = await mapLimit(list, options.concurrency ?? 8, (c) =>
    evaluateContainer(ctx, c.Id),
  );
  const containers = sortReports(reports.filter((r): r is ContainerReport => r !== undefined));
  return { info, containers };
}

/**
 * The long-running watch: subscribe to events first, then list and reconcile, then relist at
 * an interval; on any engine failure mark it down, back off and start over (resuming the event
 * stream from the last event seen). Returns when `signal` aborts.
 */
export class Watcher {
  private readonly containers = new Map<string, ContainerReport>();
  private readonly cache: VerificationCache;
  private readonly rootCache = new Map<string, RootFacts>();
  private info: EngineInfo | undefined;
  private engineUp = false;
  private lastReconcile: Date | undefined;
  private lastEventTime: number | undefined;
  private work: Promise<void> = Promise.resolve();
  /** A full reconcile is waiting in the queue: another request can join it. */
  private reconcileQueued = false;

  constructor(private readonly options: WatchOptions) {
    this.cache = new VerificationCache(options.verify, { ttlMs: options.ttlMs });
  }

  async run(signal: AbortSignal): Promise<void> {
    let backoff = 1000;
    const maxBackoff = this.options.maxBackoffMs ?? 30_000;
    while (!signal.aborted) {
      const session = new AbortController();
      const stop = (): void => session.abort();
      signal.addEventListener('abort', stop, { once: true });
      try {
        await this.session(session.signal, () => (backoff = 1000));
        if (!signal.aborted) this.options.log.warn('watch: the engine closed the event stream');
      } catch (err) {
        if (signal.aborted) break;
        this.fail('engine', `watch: docker engine: ${errorMessage(err)}`);
      } finally {
        session.abort();
        signal.removeEventListener('abort', stop);
      }
      if (signal.aborted) break;
      this.setEngineUp(false);
      this.options.log.info(`watch: reconnecting in ${Math.round(backoff / 1000)}s`);
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, maxBackoff);
    }
    await this.work.catch(() => undefined);
  }

  private async session(signal: AbortSignal, connected: () => void): Promise<void> {
    const { engine } = this.options;
    await engine.negotiate();
    this.info = await engine.info();
    // Replay from just before the last event seen; the relist below covers anything older.
    const events = await engine.subscribe(signal, this.lastEventTime);
    await this.requestReconcile();
    this.setEngineUp(true);
    connected();
    const timer = setInterval(
      () => void this.enqueue(() => this.reconcile()),
      this.options.relistMs,
    );
    try {
      for await (const event of events) {
        if (event.time) this.lastEventTime = event.time;
        // Reading never waits for the work: the engine drops events not read within 100 ms.
        void this.enqueue(() => this.handle(event));
      }
    } finally {
      clearInterval(timer);
    }
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.work.then(task).catch((err: unknown) => {
      this.fail('engine', `watch: ${errorMessage(err)}`);
    });
    this.work = next;
    return next;
  }

  private async handle(event: EngineEvent): Promise<void> {
    const id = event.Actor?.ID;
    if (event.Type === 'container' && id) {
      // Attributes (image name, labels) are never trusted: the container is inspected again.
      if (event.Action === 'start') await this.refresh(id);
      else if (event.Action === 'die' || event.Action === 'destroy') this.remove(id);
      return;
    }
    if (event.Type === 'image') {
      // A pull, push or tag can give a running image its first registry digest: look again.
      void this.requestReconcile();
    }
  }

  /** Queues a full reconcile unless one is already waiting (a burst of pulls costs one). */
  private requestReconcile(): Promise<void> {
    if (this.reconcileQueued) return this.work;
    this.reconcileQueued = true;
    return this.enqueue(() => {
      this.reconcileQueued = false;
      return this.reconcile();
    });
  }

  private async refresh(id: string): Promise<void> {
    if (!this.info) return;
    if (this.options.labels.length > 0) {
      // The label filter is the engine's: ask it rather than reading labels ourselves.
      const list = await this.options.engine.listContainers(this.options.labels);
      if (!list.some((c) => c.Id === id)) return;
    }
    const report = await evaluateContainer(this.context(), id);
    if (report) this.containers.set(id, report);
    else this.containers.delete(id);
    this.publish();
  }

  private remove(id: string): void {
    if (this.containers.delete(id)) this.publish();
  }

  private async reconcile(): Promise<void> {
    this.cache.prune();
    const list = await this.options.engine.listContainers(this.options.labels);
    const reports = await mapLimit(list, this.options.concurrency ?? 8, (c) =>
      evaluateContainer(this.context(), c.Id),
    );
    this.containers.clear();
    for (const r of reports) if (r) this.containers.set(r.id, r);
    // Keep root facts only for containers that still run (keys are "id startedAt").
    for (const key of this.rootCache.keys()) {
      if (!this.containers.has(key.split(' ')[0]!)) this.rootCache.delete(key);
    }
    this.lastReconcile = new Date();
    this.publish();
  }

  private context(): EvaluateContext {
    return {
      engine: this.options.engine,
      store: this.info!.store,
      cache: this.cache,
      rootCache: this.rootCache,
      ...(this.options.bind ? { bind: this.options.bind } : {}),
      onVerified: (o) => {
        this.options.sinks.forEach((s) => s.verified?.(o));
        if (o.state === 'error') this.options.sinks.forEach((s) => s.failed?.('verify'));
      },
    };
  }

  private setEngineUp(up: boolean): void {
    if (this.engineUp === up) return;
    this.engineUp = up;
    this.publish();
  }

  private fail(kind: string, message: string): void {
    this.options.log.warn(message);
    this.options.sinks.forEach((s) => s.failed?.(kind));
  }

  private publish(): void {
    const snapshot: Snapshot = {
      containers: sortReports([...this.containers.values()]),
      engineUp: this.engineUp,
      ...(this.info ? { info: this.info } : {}),
      ...(this.lastReconcile ? { lastReconcile: this.lastReconcile } : {}),
    };
    for (const sink of this.options.sinks) {
      try {
        sink.snapshot(snapshot);
      } catch (err) {
        this.options.log.warn(`watch: output failed: ${errorMessage(err)}`);
      }
    }
  }
}

function sortReports(reports: ContainerReport[]): ContainerReport[] {
  return reports.sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1,
  );
}

export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
