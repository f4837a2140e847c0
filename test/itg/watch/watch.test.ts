/**
 * `image-gate watch` against the real engine, registry, InfluxDB 1.6 and Prometheus 2.42: every
 * state from real containers of images signed (or not) by the real signer, judged by the image
 * each container runs. The images come from test/images/watch/build.sh (FROM scratch, pushed
 * and pulled back so they carry RepoDigests); every container carries this run's label and is
 * removed afterwards.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { request as httpRequest, createServer as createHttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { check } from '../../../src/commands/check.js';
import { MANIFEST_ACCEPT } from '../../../src/image/manifest.js';
import { RegistryClient } from '../../../src/image/registry/client.js';
import { silentLogger } from '../../../src/log.js';
import type { Verdict } from '../../../src/policy/verdict.js';
import { buildAttLayer } from '../../../src/sign/entries.js';
import { signVerdict } from '../../../src/sign/sign.js';
import { SignatureStore } from '../../../src/sign/store.js';
import { verdictStatement } from '../../../src/sign/vsa.js';
import { registryBinder } from '../../../src/watch/bind.js';
import type { ContainerReport } from '../../../src/watch/state.js';
import { testEnv } from '../../helpers/env.js';
import { writeKeyPair } from '../../helpers/sign-env.js';
import {
  bundleCli,
  freePort,
  influxd,
  influxQuery,
  prometheus,
  type Service,
  until,
} from '../../helpers/watch-env.js';

const run = promisify(execFile);
const RUNID = `w${Date.now().toString(36)}`;
const LABEL = `image-gate-watch-test=${RUNID}`;
const DAY = 86_400_000;
const client = new RegistryClient({ retries: 0 });

let dir: string;
let cli: string;
let alice: Awaited<ReturnType<typeof writeKeyPair>>;
let bob: Awaited<ReturnType<typeof writeKeyPair>>;
/** name → { id, digest } from build.sh */
const images = new Map<string, { id: string; digest: string }>();

const docker = (...args: string[]) =>
  run(testEnv().dockerCli, args, { env: { ...process.env, DOCKER_HOST: testEnv().dockerHost } });
const ref = (name: string) => `${testEnv().registry}/image-gate-watch/${name}-${RUNID}:v1`;
const image = (name: string) => images.get(`${name}-${RUNID}`)!;

async function watch(args: string[], dockerHost = testEnv().dockerHost) {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, 'watch', ...args], {
      env: { ...process.env, DOCKER_HOST: dockerHost },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function lines(stdout: string): ContainerReport[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ContainerReport);
}

async function container(name: string, from: string, ...extra: string[]): Promise<string> {
  const { stdout } = await docker(
    'run',
    '-d',
    '--network',
    'none',
    '--label',
    LABEL,
    '--name',
    `${RUNID}-${name}`,
    ...extra,
    from,
  );
  return stdout.trim();
}

/** Gates the image for real (secrets rule) and signs the verdict with `who`'s key. */
async function gateAndSign(name: string, who = alice, checkedAt?: Date): Promise<Verdict> {
  const repo = { registry: testEnv().registry, repository: `image-gate-watch/${name}-${RUNID}` };
  const top = await client.getManifest(repo, 'v1', MANIFEST_ACCEPT);
  const verdict = await check({
    image: `docker://${repo.registry}/${repo.repository}:v1`,
    policyPath: join(dir, 'policy.yml'),
    log: silentLogger,
  });
  expect(verdict.decision).toBe('pass');
  const signed = checkedAt ? { ...verdict, checkedAt: checkedAt.toISOString() } : verdict;
  await signVerdict({
    client,
    repo,
    subject: { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length },
    key: who.key,
    verdict: signed,
  });
  return signed;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ig-watch-'));
  await writeFile(join(dir, 'policy.yml'), 'apiVersion: image-gate/v1\nrules:\n  secrets: true\n');
  cli = await bundleCli(dir);
  const script = join(import.meta.dirname, '..', '..', 'images', 'watch', 'build.sh');
  const { stdout } = await run('bash', [script, RUNID]);
  for (const l of stdout.trim().split('\n')) {
    const [name, id, digest] = l.split(' ');
    images.set(name!, { id: id!, digest: digest! });
  }
  alice = await writeKeyPair(dir, 'alice');
  bob = await writeKeyPair(dir, 'bob');
  for (const n of ['app', 'root', 'moved-a']) await gateAndSign(n);
  await gateAndSign('stale', alice, new Date(Date.now() - 3 * DAY));
  await gateAndSign('badsig', bob);
  // A FAILED verdict signed with the key after a pass: the newest verdict is what counts.
  const passed = await gateAndSign('failed', alice, new Date(Date.now() - 60_000));
  const repo = { registry: testEnv().registry, repository: `image-gate-watch/failed-${RUNID}` };
  const digest = image('failed').digest.split('@')[1]!;
  const failed: Verdict = { ...passed, decision: 'fail', checkedAt: new Date().toISOString() };
  await new SignatureStore(client, repo).appendLayer(
    digest,
    '.att',
    buildAttLayer(
      alice.key,
      verdictStatement(failed, { name: `${repo.registry}/${repo.repository}`, digest }),
    ),
    () => false,
  );
}, 600_000);

afterAll(async () => {
  const { stdout } = await docker('ps', '-aq', '--filter', `label=${LABEL}`).catch(() => ({
    stdout: '',
  }));
  const ids = stdout.split('\n').filter(Boolean);
  if (ids.length) await docker('rm', '-f', ...ids);
  const { stdout: imgs } = await docker(
    'images',
    '-q',
    '--filter',
    `reference=*/image-gate-watch/*-${RUNID}`,
  );
  const local = await docker('images', '-q', `image-gate-watch/local-${RUNID}`);
  const all = [...new Set([...imgs.split('\n'), ...local.stdout.split('\n')].filter(Boolean))];
  if (all.length) await docker('rmi', '-f', ...all).catch(() => undefined);
  await client.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the ready-to-run Prometheus rules', () => {
  const rules = join(import.meta.dirname, '..', '..', '..', 'deploy', 'watch', 'prometheus');
  test('pass promtool check rules and promtool test rules', async () => {
    const checked = await run('promtool', [
      'check',
      'rules',
      join(rules, 'image-gate-watch.rules.yml'),
    ]);
    expect(checked.stdout).toMatch(/SUCCESS: 6 rules found/);
    const tested = await run('promtool', ['test', 'rules', 'image-gate-watch.rules.test.yml'], {
      cwd: rules,
    });
    expect(tested.stdout).toMatch(/SUCCESS/);
  });
});

describe('watch --once', () => {
  let reports: Map<string, ContainerReport>;
  let code: number;

  beforeAll(async () => {
    await container('verified', ref('app'), '--label', 'role=good');
    await container('privileged', ref('app'), '--privileged', '--cap-add', 'NET_ADMIN');
    await container('root-image', ref('root'));
    await container('user-zero', ref('app'), '--user', '0');
    await container('unsigned', ref('unsigned'));
    await container('failed', ref('failed'));
    await container('stale', ref('stale'));
    await container('badsig', ref('badsig'));
    await container('local', `image-gate-watch/local-${RUNID}:${RUNID}`);
    // A label that tries to pass for the signed image (labels are merged into event attributes).
    await container('lying-label', ref('unsigned'), '--label', `image=${image('app').digest}`);
    // The tag moves to another, unsigned image while the old container still runs.
    await container('moved-old', ref('moved-a'));
    await docker('tag', ref('moved-b'), ref('moved-a'));
    await docker('push', '-q', ref('moved-a'));
    await docker('pull', '-q', ref('moved-a'));
    await container('moved-new', ref('moved-a'));

    const res = await watch([
      '--once',
      '--key',
      alice.pubPath,
      '--max-age',
      '1d',
      '--label',
      LABEL,
    ]);
    code = res.code;
    reports = new Map(lines(res.stdout).map((r) => [r.name.replace(`${RUNID}-`, ''), r]));
  });

  test('every container gets its state', () => {
    const states = Object.fromEntries([...reports].map(([n, r]) => [n, r.state]));
    expect(states).toEqual({
      verified: 'verified',
      privileged: 'verified',
      'root-image': 'verified',
      'user-zero': 'verified',
      unsigned: 'unsigned',
      failed: 'verdict-failed',
      stale: 'verdict-stale',
      badsig: 'invalid-signature',
      local: 'no-registry-digest',
      'lying-label': 'unsigned',
      'moved-old': 'verified',
      'moved-new': 'unsigned',
    });
    expect(code).toBe(1);
  });

  test('identity is the image that runs, with its registry digest', () => {
    const v = reports.get('verified')!;
    expect(v.imageId).toBe(image('app').id);
    expect(v.digest).toBe(image('app').digest);
    expect(v.image).toBe(ref('app'));
    expect(reports.get('local')!.digest).toBeNull();
    expect(reports.get('local')!.imageId).toBe(image('local').id);
    // Same name, different images: the old container is judged by what it runs.
    expect(reports.get('moved-old')!.image).toBe(reports.get('moved-new')!.image);
    expect(reports.get('moved-old')!.digest).toBe(image('moved-a').digest);
    expect(reports.get('moved-new')!.imageId).toBe(image('moved-b').id);
    expect(reports.get('lying-label')!.digest).toBe(image('unsigned').digest);
  });

  test('root, privileged and added capabilities come from the engine', () => {
    expect(reports.get('verified')).toMatchObject({
      root: false,
      uid: 1000,
      privileged: false,
      capAdd: [],
    });
    expect(reports.get('privileged')).toMatchObject({
      privileged: true,
      capAdd: ['CAP_NET_ADMIN'],
    });
    expect(reports.get('root-image')).toMatchObject({ root: true, uid: 0 });
    expect(reports.get('user-zero')).toMatchObject({ root: true, uid: 0 });
  });

  test('exit 0 when every selected container is verified', async () => {
    const res = await watch([
      '--once',
      '--key',
      alice.pubPath,
      '--label',
      LABEL,
      '--label',
      'role=good',
    ]);
    expect(res.code).toBe(0);
    expect(lines(res.stdout).map((r) => r.state)).toEqual(['verified']);
  });

  test('a registry digest must hold the running image (classic store binding)', async () => {
    const bind = registryBinder(client);
    const [repository, digest] = image('app').digest.split('@') as [string, string];
    expect(await bind({ repository, digest }, image('app').id)).toEqual({ ok: true });
    // The engine's record pointing at another image's manifest is refused, not verified.
    const other = await bind({ repository, digest }, image('unsigned').id);
    expect(other).toMatchObject({ ok: false, detail: expect.stringMatching(/does not hold/) });
  });

  test('exit 2 when the engine cannot be reached', async () => {
    const res = await watch(['--once', '--key', alice.pubPath], `unix://${dir}/no.sock`);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/cannot reach the docker engine/);
  });
});

describe('watch, long-running, with InfluxDB and Prometheus', () => {
  let influx: Service;
  let prom: Service;
  let child: ChildProcess;
  let out = '';
  let err = '';
  let metricsUrl: string;
  // Its own label key: the run's label stays on every container, for the cleanup.
  const label = `image-gate-watch-live=${RUNID}`;

  const live = async (name: string, from: string) =>
    container(`live-${name}`, from, '--label', label);
  const metrics = async () => (await fetch(metricsUrl)).text();

  beforeAll(async () => {
    influx = await influxd(join(dir, 'influx'));
    await influx.start();
    await fetch(`${influx.url}/query`, {
      method: 'POST',
      body: new URLSearchParams({ q: 'CREATE DATABASE watch' }),
    });
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    await live('unsigned', ref('unsigned'));
    child = spawn(
      process.execPath,
      [
        cli,
        'watch',
        '--key',
        alice.pubPath,
        '--max-age',
        '1d',
        '--label',
        label,
        '--listen',
        `127.0.0.1:${port}`,
        '--interval',
        '2s',
        '--influx-url',
        influx.url,
        '--influx-db',
        'watch',
      ],
      {
        env: { ...process.env, DOCKER_HOST: testEnv().dockerHost },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    prom = await prometheus(join(dir, 'prom'), `127.0.0.1:${port}`);
    await prom.start();
  });

  afterAll(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    await prom?.stop();
    await influx?.stop();
  });

  test('a container started after watch is seen through events, and its series go when it goes', async () => {
    await until('the first container', () =>
      out.includes(`${RUNID}-live-unsigned`) ? true : undefined,
    );
    const id = await live('verified', ref('app'));
    const line = await until('the new container', () =>
      lines(out).find((r) => r.id === id && r.state === 'verified'),
    );
    expect(line.digest).toBe(image('app').digest);
    expect(await metrics()).toContain(
      `image_gate_watch_container_status{container_id="${id}",state="verified"} 1`,
    );
    await docker('rm', '-f', id);
    await until('the removal line', () =>
      out.includes(`"id":"${id}","name":"${RUNID}-live-verified","removed":true`)
        ? true
        : undefined,
    );
    expect(await metrics()).not.toContain(id);
  });

  test('the endpoint serves text 0.0.4 by default and OpenMetrics on request', async () => {
    const text = await fetch(metricsUrl);
    expect(text.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body = await text.text();
    expect(body).toContain('# TYPE image_gate_watch_engine_up gauge\nimage_gate_watch_engine_up 1');
    expect(body).toContain('# TYPE image_gate_watch_verifications_total counter');
    const om = await fetch(metricsUrl, {
      headers: { Accept: 'application/openmetrics-text; version=1.0.0' },
    });
    expect(om.headers.get('content-type')).toBe(
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    );
    expect((await om.text()).endsWith('# EOF\n')).toBe(true);
  });

  test('promtool accepts the exposition as it is served', async () => {
    const body = await metrics();
    const res = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (c: Buffer) => (out += c.toString()));
      p.stderr.on('data', (c: Buffer) => (out += c.toString()));
      p.on('exit', (code) => resolve({ code, out }));
      p.stdin.end(body);
    });
    expect(res.out).toBe('');
    expect(res.code).toBe(0);
  });

  test('the real Prometheus scrapes it without errors and sees the states', async () => {
    const query = async (q: string) => {
      const res = (await (
        await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}`)
      ).json()) as {
        data: { result: { value: [number, string] }[] };
      };
      return res.data.result;
    };
    const up = await until('a successful scrape', async () => {
      const r = await query('up{job="image-gate-watch"}');
      return r[0]?.value[1] === '1' ? r : undefined;
    });
    expect(up).toHaveLength(1);
    const targets = (await (await fetch(`${prom.url}/api/v1/targets`)).json()) as {
      data: { activeTargets: { health: string; lastError: string }[] };
    };
    expect(targets.data.activeTargets[0]).toMatchObject({ health: 'up', lastError: '' });
    const unsigned = await until('the unsigned count', async () => {
      const r = await query('image_gate_watch_containers{state="unsigned"}');
      return r[0]?.value[1] === '1' ? r : undefined;
    });
    expect(unsigned).toHaveLength(1);
  });

  test('points land in InfluxDB, and survive it going down and coming back', async () => {
    const rows = await until('points in InfluxDB', async () => {
      const r = await influxQuery(
        influx.url,
        'watch',
        `SELECT "state","digest","root","verified" FROM "image_gate_watch_container" WHERE "container_name"='${RUNID}-live-unsigned' ORDER BY time DESC LIMIT 1`,
      );
      return r.length ? r : undefined;
    });
    // The image runs as uid 1000: not root; not verified.
    expect(rows[0]!.slice(1)).toEqual(['unsigned', image('unsigned').digest, false, false]);

    await influx.stop();
    await live('during-outage', ref('app'));
    await until('a logged write failure', () =>
      /influx: write to .* failed/.test(err) ? true : undefined,
    );
    expect(child.exitCode).toBeNull();
    await influx.start();
    const late = await until('the outage container in InfluxDB', async () => {
      const r = await influxQuery(
        influx.url,
        'watch',
        `SELECT "state","digest" FROM "image_gate_watch_container" WHERE "container_name"='${RUNID}-live-during-outage' LIMIT 1`,
      );
      return r.length ? r : undefined;
    });
    expect(late[0]![1]).toBe('verified');
  });

  test('SIGTERM stops it cleanly', async () => {
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(err).toContain('watch: stopped');
  });
});

describe('watch through an engine connection that breaks', () => {
  // A relay in front of the real dockerd: the shared engine cannot be stopped on purpose, so
  // this stand-in drops every connection to it, as a restarting engine would.
  let relay: Server | undefined;
  const sockets = new Set<Socket>();

  async function openRelay(path: string): Promise<void> {
    await unlink(path).catch(() => undefined);
    const target = testEnv().dockerHost.replace(/^unix:\/\//, '');
    relay = createServer((down) => {
      const up = connect(target);
      for (const s of [down, up]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      down.pipe(up).pipe(down);
    });
    await new Promise<void>((r) => relay!.listen(path, () => r()));
  }

  async function closeRelay(): Promise<void> {
    const closed = new Promise<void>((r) => relay!.close(() => r()));
    for (const s of sockets) s.destroy();
    await closed;
  }

  afterAll(async () => {
    if (relay?.listening) await closeRelay();
  });

  test('marks the engine down, reconnects and reconciles what happened meanwhile', async () => {
    const path = join(dir, 'relay.sock');
    await openRelay(path);
    const port = await freePort();
    const key = `image-gate-watch-relay=${RUNID}`;
    let out = '';
    let err = '';
    const child = spawn(
      process.execPath,
      [cli, 'watch', '--key', alice.pubPath, '--label', key, '--listen', `127.0.0.1:${port}`],
      { env: { ...process.env, DOCKER_HOST: `unix://${path}` }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const up = async () => {
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return /^image_gate_watch_engine_up (\d)$/m.exec(body)?.[1];
    };
    try {
      await until('engine up', async () => ((await up()) === '1' ? true : undefined));
      await closeRelay();
      await until('engine down', async () => ((await up()) === '0' ? true : undefined));
      expect(err).toMatch(/reconnecting in/);
      // Started while watch cannot see the engine: only the relist after reconnecting finds it.
      const id = await container('relay', ref('app'), '--label', key);
      await openRelay(path);
      const line = await until('the container started during the outage', () =>
        lines(out).find((r) => r.id === id),
      );
      expect(line.state).toBe('verified');
      expect(await up()).toBe('1');
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });
});

describe('watch behind a GET-only socket proxy', () => {
  // What compose.yml's docker-socket-proxy enforces (POST=0 and a few path groups), as a
  // minimal HTTP proxy on a unix socket in front of the real dockerd, recording what watch asks.
  const ALLOWED = /^(\/v\d+\.\d+)?\/(_ping|version|info|events|containers|images)(\/|\?|$)/;

  test('needs nothing but GET on /_ping, /version, /info, /events, /containers and /images', async () => {
    const seen: string[] = [];
    const target = testEnv().dockerHost.replace(/^unix:\/\//, '');
    const proxy = createHttpServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if ((req.method !== 'GET' && req.method !== 'HEAD') || !ALLOWED.test(req.url ?? '')) {
        res.writeHead(403).end();
        return;
      }
      const up = httpRequest(
        { socketPath: target, path: req.url, method: req.method, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    const path = join(dir, 'proxy.sock');
    await new Promise<void>((r) => proxy.listen(path, () => r()));
    try {
      const direct = await watch([
        '--once',
        '--key',
        alice.pubPath,
        '--max-age',
        '1d',
        '--label',
        LABEL,
      ]);
      const proxied = await watch(
        ['--once', '--key', alice.pubPath, '--max-age', '1d', '--label', LABEL],
        `unix://${path}`,
      );
      expect(proxied.code).toBe(direct.code);
      const states = (out: string) => lines(out).map((r) => [r.name, r.state, r.root]);
      expect(states(proxied.stdout)).toEqual(states(direct.stdout));
      expect(seen.length).toBeGreaterThan(0);
      for (const line of seen) expect(line).toMatch(/^GET /);
      expect(seen.filter((l) => !ALLOWED.test(l.slice(4)))).toEqual([]);
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });
});
