import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { WatchCommand } from '../cli/watch-args.js';
import { errorMessage, GateError } from '../errors.js';
import { RegistryClient } from '../image/registry/client.js';
import { defaultDockerHost } from '../image/sources/daemon.js';
import type { Logger } from '../log.js';
import { requireSigningNode } from '../sign/node-version.js';
import { registryBinder, type BindDigest } from '../watch/bind.js';
import { EngineClient, engineEndpoint } from '../watch/engine.js';
import { InfluxSink } from '../watch/influx.js';
import { JsonLinesSink, reportLine } from '../watch/json.js';
import { PrometheusSink, serveMetrics } from '../watch/prometheus.js';
import { signVerifier } from '../watch/sign-adapter.js';
import type { VerifyDigest } from '../watch/verify.js';
import { Watcher, watchOnce, type Sink } from '../watch/watcher.js';

export interface WatchRunOptions {
  write: (text: string) => void;
  log: Logger;
  /** Aborted on SIGTERM/SIGINT by the CLI; the long-running mode returns then. */
  signal: AbortSignal;
  dockerHost?: string;
  /** Replaces the signing module's verifier (tests of the engine side only). */
  verify?: VerifyDigest;
  /** Called once the metrics endpoint listens (tests read the port from it). */
  onListening?: (server: Server) => void;
}

/** Exit codes of `watch --once`: 0 every container verified, 1 some not, 2 an error. */
export async function watchCommand(cmd: WatchCommand, run: WatchRunOptions): Promise<number> {
  const engine = new EngineClient(engineEndpoint(run.dockerHost ?? defaultDockerHost()));
  const client = new RegistryClient({
    tlsVerify: cmd.tlsVerify,
    ...(cmd.dockerConfigDir ? { dockerConfigDir: cmd.dockerConfigDir } : {}),
    log: run.log,
  });
  try {
    const verify = run.verify ?? (await realVerifier(cmd, client));
    const bind = run.verify ? undefined : registryBinder(client);
    const prometheus = cmd.listen ? new PrometheusSink() : undefined;
    const influx = cmd.influx
      ? new InfluxSink({
          target: cmd.influx,
          log: run.log,
          onError: () => prometheus?.failed('influx'),
        })
      : undefined;
    const sinks: Sink[] = [prometheus, influx].filter((s): s is NonNullable<typeof s> => !!s);
    return cmd.once
      ? await once(cmd, run, engine, verify, sinks, influx, bind)
      : await longRunning(cmd, run, engine, verify, sinks, prometheus, influx, bind);
  } finally {
    await client.close();
  }
}

async function realVerifier(cmd: WatchCommand, client: RegistryClient): Promise<VerifyDigest> {
  requireSigningNode('watch');
  let pem: string;
  try {
    pem = await readFile(cmd.key, 'utf8');
  } catch (err) {
    throw new GateError(
      'not-found',
      `cannot read key ${cmd.key}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`,
    );
  }
  const { loadPublicKey } = await import('../sign/keys.js');
  return signVerifier({
    publicKey: loadPublicKey(pem, cmd.key),
    client,
    ...(cmd.maxAgeMs !== undefined ? { maxAgeMs: cmd.maxAgeMs } : {}),
    ...(cmd.policyDigest !== undefined ? { policyDigest: cmd.policyDigest } : {}),
  });
}

async function once(
  cmd: WatchCommand,
  run: WatchRunOptions,
  engine: EngineClient,
  verify: VerifyDigest,
  sinks: Sink[],
  influx: InfluxSink | undefined,
  bind: BindDigest | undefined,
): Promise<number> {
  const { info, containers } = await watchOnce({
    engine,
    verify,
    labels: cmd.labels,
    sinks,
    ...(bind ? { bind } : {}),
  });
  for (const c of containers) run.write(reportLine(c));
  const snapshot = { containers, engineUp: true, info, lastReconcile: new Date() };
  sinks.forEach((s) => s.snapshot(snapshot));
  if (influx) {
    await influx.flush();
    if (influx.waiting > 0) throw new GateError('internal', 'influx: points could not be written');
  }
  if (containers.some((c) => c.state === 'error')) return 2;
  return containers.every((c) => c.state === 'verified') ? 0 : 1;
}

async function longRunning(
  cmd: WatchCommand,
  run: WatchRunOptions,
  engine: EngineClient,
  verify: VerifyDigest,
  sinks: Sink[],
  prometheus: PrometheusSink | undefined,
  influx: InfluxSink | undefined,
  bind: BindDigest | undefined,
): Promise<number> {
  let server: Server | undefined;
  if (prometheus && cmd.listen) {
    server = await serveMetrics(prometheus, cmd.listen);
    run.log.info(`watch: metrics on http://${cmd.listen.host}:${cmd.listen.port}/metrics`);
    run.onListening?.(server);
  }
  const watcher = new Watcher({
    engine,
    verify,
    ttlMs: cmd.ttlMs,
    relistMs: cmd.intervalMs,
    labels: cmd.labels,
    ...(bind ? { bind } : {}),
    sinks: [new JsonLinesSink(run.write), ...sinks],
    log: run.log,
  });
  try {
    await watcher.run(run.signal);
  } finally {
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
    // A last write of what is waiting, bounded: shutting down must not hang on a dead endpoint.
    if (influx)
      await Promise.race([influx.flush(), new Promise((r) => setTimeout(r, 5000).unref())]);
  }
  run.log.info('watch: stopped');
  return 0;
}
