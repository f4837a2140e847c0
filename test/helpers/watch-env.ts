/**
 * Helpers for the watch integration test: the CLI bundled from source into a temporary
 * directory (dist/ is rebuilt only at release), and a real InfluxDB 1.x and Prometheus server
 * on free loopback ports, each in its own directory, stopped by PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';

export async function bundleCli(dir: string): Promise<string> {
  const outfile = join(dir, 'cli.mjs');
  await build({
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
    entryPoints: [join(import.meta.dirname, '..', '..', 'src', 'cli.ts')],
    outfile,
    banner: {
      js: "import { createRequire as __igCreateRequire } from 'node:module'; const require = __igCreateRequire(import.meta.url);",
    },
  });
  return outfile;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Polls `probe` until it returns a value (not undefined); fails with `what` after `limitMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  limitMs = 60_000,
): Promise<T> {
  const end = Date.now() + limitMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end)
      throw new Error(`gave up waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface Service {
  url: string;
  port: number;
  pid: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  process.kill(child.pid, 'SIGTERM');
  await gone;
}

/** Debian's influxd 1.6 with its own config and data directory (same data across restarts). */
export async function influxd(dir: string): Promise<Service> {
  await mkdir(dir, { recursive: true });
  const [port, rpc] = [await freePort(), await freePort()];
  const config = join(dir, 'influxdb.conf');
  await writeFile(
    config,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpc}"`,
      '[meta]',
      `  dir = "${dir}/meta"`,
      '[data]',
      `  dir = "${dir}/data"`,
      `  wal-dir = "${dir}/wal"`,
      '  query-log-enabled = false',
      '[http]',
      `  bind-address = "127.0.0.1:${port}"`,
      '  log-enabled = false',
      '[monitor]',
      '  store-enabled = false',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  const url = `http://127.0.0.1:${port}`;
  const service: Service = {
    url,
    port,
    get pid() {
      return child?.pid ?? 0;
    },
    async start() {
      child = spawn('influxd', ['-config', config], { stdio: 'ignore' });
      await until('influxd to answer /ping', async () =>
        (await fetch(`${url}/ping`)).status === 204 ? true : undefined,
      );
    },
    stop: () => stopChild(child),
  };
  return service;
}

export async function influxQuery(url: string, db: string, q: string): Promise<unknown[][]> {
  const res = await fetch(`${url}/query?db=${db}&q=${encodeURIComponent(q)}`);
  const body = (await res.json()) as {
    results: { series?: { columns: string[]; values: unknown[][] }[]; error?: string }[];
  };
  if (body.results[0]?.error) throw new Error(body.results[0].error);
  return body.results[0]?.series?.[0]?.values ?? [];
}

/** Debian's Prometheus 2.42 scraping `target` every second. */
export async function prometheus(dir: string, target: string, rules?: string): Promise<Service> {
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  await writeFile(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      ...(rules ? ['rule_files:', `  - ${rules}`] : []),
      'scrape_configs:',
      '  - job_name: image-gate-watch',
      '    static_configs:',
      `      - targets: ['${target}']`,
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    get pid() {
      return child?.pid ?? 0;
    },
    async start() {
      child = spawn(
        'prometheus',
        [
          `--config.file=${config}`,
          `--storage.tsdb.path=${dir}/data`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: 'ignore' },
      );
      await until('prometheus to be ready', async () =>
        (await fetch(`${url}/-/ready`)).ok ? true : undefined,
      );
    },
    stop: () => stopChild(child),
  };
}
