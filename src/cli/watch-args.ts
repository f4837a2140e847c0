import { parseArgs } from 'node:util';
import { GateError } from '../errors.js';
import { parseDuration } from '../scanners/duration.js';
import type { InfluxTarget } from '../watch/influx.js';

/** `image-gate watch`'s own options, parsed apart because they share nothing with the others. */
export interface WatchCommand {
  command: 'watch';
  key: string;
  maxAgeMs?: number;
  policyDigest?: string;
  once: boolean;
  format: 'json';
  listen?: { host: string; port: number };
  influx?: InfluxTarget;
  intervalMs: number;
  ttlMs: number;
  labels: string[];
  tlsVerify: boolean;
  dockerConfigDir?: string;
  debug: boolean;
}

export const WATCH_USAGE = `Usage: image-gate watch --key cosign.pub [options]

Checks every running container on the Docker engine at $DOCKER_HOST against its signature and
signed verdict, by the image it runs (never its name). One state per container: verified,
unsigned, invalid-signature, verdict-failed, verdict-stale, no-registry-digest, error.

Options:
  --key FILE              public key the images are signed with (cosign.pub)
  --max-age DURATION      a verdict older than this is verdict-stale (e.g. 7d)
  --policy-digest D       require verdicts for the policy with this sha256 digest
  --once                  one pass, JSON lines on stdout; exit 0 all verified, 1 not, 2 error
  --format json           JSON lines on stdout (the only format)
  --listen HOST:PORT      serve Prometheus metrics on /metrics (e.g. 127.0.0.1:9810)
  --interval DURATION     full relist interval besides events (default 60s)
  --ttl DURATION          how long a verification is reused (default 5m)
  --label KEY[=VALUE]     only containers with this engine label (repeatable)
  --influx-url URL        write points to InfluxDB (1.x with --influx-db, 2.x with --influx-bucket)
  --influx-db DB          1.x database; --influx-rp RP for a retention policy
  --influx-username USER  1.x basic auth; the password comes from $INFLUX_PASSWORD
  --influx-org ORG        2.x organization
  --influx-bucket BUCKET  2.x bucket; the token comes from $INFLUX_TOKEN
  --tls-verify=false      accept self-signed TLS certificates from registries
  --docker-config DIR     directory of docker's config.json for registry credentials
  --debug                 print debug information on stderr
`;

export function parseWatchCommand(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): WatchCommand | { command: 'help'; text: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        key: { type: 'string' },
        'max-age': { type: 'string' },
        'policy-digest': { type: 'string' },
        once: { type: 'boolean' },
        format: { type: 'string' },
        listen: { type: 'string' },
        interval: { type: 'string' },
        ttl: { type: 'string' },
        label: { type: 'string', multiple: true },
        'influx-url': { type: 'string' },
        'influx-db': { type: 'string' },
        'influx-rp': { type: 'string' },
        'influx-username': { type: 'string' },
        'influx-org': { type: 'string' },
        'influx-bucket': { type: 'string' },
        'tls-verify': { type: 'string' },
        'docker-config': { type: 'string' },
        debug: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new GateError(
      'usage',
      `${(err as Error).message.split('\n')[0]} (see image-gate watch --help)`,
    );
  }
  const v = parsed.values;
  if (v.help) return { command: 'help', text: WATCH_USAGE };
  if (!v.key)
    throw new GateError('usage', 'watch needs --key FILE (the public key, e.g. cosign.pub)');
  if (v.format !== undefined && v.format !== 'json') {
    throw new GateError('usage', `watch: unknown format "${v.format}" (one of: json)`);
  }
  if (v['policy-digest'] !== undefined && !/^(sha256:)?[a-f0-9]{64}$/.test(v['policy-digest'])) {
    throw new GateError(
      'usage',
      `--policy-digest takes sha256:<64 hex> (got "${v['policy-digest']}")`,
    );
  }
  const tls = v['tls-verify'] ?? 'true';
  if (tls !== 'true' && tls !== 'false') {
    throw new GateError('usage', `--tls-verify takes true or false (got "${tls}")`);
  }
  const influx = influxTarget(v, env);
  return {
    command: 'watch',
    key: v.key,
    once: v.once ?? false,
    format: 'json',
    intervalMs: positive(v.interval ?? '60s', '--interval'),
    ttlMs: positive(v.ttl ?? '5m', '--ttl'),
    labels: (v.label ?? []).map(checkLabel),
    tlsVerify: tls === 'true',
    debug: v.debug ?? false,
    ...(v['max-age'] ? { maxAgeMs: positive(v['max-age'], '--max-age') } : {}),
    ...(v['policy-digest'] ? { policyDigest: v['policy-digest'] } : {}),
    ...(v.listen ? { listen: parseListen(v.listen) } : {}),
    ...(influx ? { influx } : {}),
    ...(v['docker-config'] ? { dockerConfigDir: v['docker-config'] } : {}),
  };
}

function positive(text: string, flag: string): number {
  const ms = parseDuration(text);
  if (ms <= 0) throw new GateError('usage', `${flag} must be longer than 0 (got "${text}")`);
  return ms;
}

function checkLabel(text: string): string {
  if (!/^[^=\s]+(=.*)?$/.test(text)) {
    throw new GateError('usage', `--label takes KEY or KEY=VALUE (got "${text}")`);
  }
  return text;
}

export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new GateError('usage', `--listen takes HOST:PORT, e.g. 127.0.0.1:9810 (got "${text}")`);
  }
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function influxTarget(
  v: Record<string, string | boolean | string[] | undefined>,
  env: NodeJS.ProcessEnv,
): InfluxTarget | undefined {
  const url = v['influx-url'] as string | undefined;
  const db = v['influx-db'] as string | undefined;
  const bucket = v['influx-bucket'] as string | undefined;
  const org = v['influx-org'] as string | undefined;
  if (!url) {
    if (db || bucket || org)
      throw new GateError('usage', '--influx-db/--influx-bucket need --influx-url');
    return undefined;
  }
  if (!/^https?:\/\//.test(url)) {
    throw new GateError('usage', `--influx-url takes http(s)://HOST:PORT (got "${url}")`);
  }
  if (db && bucket)
    throw new GateError('usage', 'give --influx-db (1.x) or --influx-bucket (2.x), not both');
  if (db) {
    const username = v['influx-username'] as string | undefined;
    return {
      version: 1,
      url,
      database: db,
      ...(v['influx-rp'] ? { retentionPolicy: v['influx-rp'] as string } : {}),
      ...(username !== undefined ? { username, password: env.INFLUX_PASSWORD ?? '' } : {}),
    };
  }
  if (bucket) {
    if (!org) throw new GateError('usage', '--influx-bucket needs --influx-org');
    return {
      version: 2,
      url,
      org,
      bucket,
      ...(env.INFLUX_TOKEN ? { token: env.INFLUX_TOKEN } : {}),
    };
  }
  throw new GateError('usage', '--influx-url needs --influx-db (1.x) or --influx-bucket (2.x)');
}
