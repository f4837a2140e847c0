import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request, type IncomingMessage, type RequestOptions } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GateError } from '../../errors.js';
import { enforceBodyDeadline } from '../registry/transport.js';
import type { Image } from '../types.js';
import { openDockerArchive } from './docker-archive.js';

/**
 * `docker-daemon:NAME:TAG`: asks the Docker Engine API for the image and reads its export with
 * the docker-archive reader (the export *is* a docker-archive). The export is spooled to a
 * temporary file because manifest.json comes last in it; layers are still never extracted.
 */
export async function openDaemonImage(
  name: string,
  reference: string,
  dockerHost = defaultDockerHost(),
): Promise<Image> {
  const endpoint = engineEndpoint(dockerHost);
  const encoded = encodeURIComponent(name);
  const inspect = await engineRequest(endpoint, `/images/${encoded}/json`);
  if (inspect.statusCode === 404) {
    inspect.resume();
    throw new GateError('not-found', `docker daemon at ${dockerHost} has no image "${name}"`);
  }
  await expectOk(inspect, dockerHost, `inspect ${name}`);
  inspect.resume();
  const dir = await mkdtemp(join(tmpdir(), 'image-gate-daemon-'));
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const file = join(dir, 'image.tar');
    const exported = await engineRequest(endpoint, `/images/${encoded}/get`);
    await expectOk(exported, dockerHost, `export ${name}`);
    enforceBodyDeadline(exported, `docker daemon at ${dockerHost}`);
    await pipeline(exported, capped(MAX_EXPORT_BYTES, dockerHost), createWriteStream(file)).catch(
      (err: unknown) => {
        if (err instanceof GateError) throw err;
        throw new GateError(
          'daemon',
          `reading the export of ${name} from the docker daemon at ${dockerHost} failed: ${(err as Error).message}`,
          { cause: err },
        );
      },
    );
    // An image ID has no tag to select by; a name does.
    const ref = /^(sha256:)?[a-f0-9]{12,64}$/.test(name) ? undefined : name;
    return await openDockerArchive(file, ref, reference, cleanup);
  } catch (err) {
    await cleanup();
    throw err;
  }
}

export function defaultDockerHost(): string {
  return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

function engineEndpoint(dockerHost: string): RequestOptions {
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  const tcp = /^tcp:\/\/([^:/]+)(?::(\d+))?/.exec(dockerHost);
  if (tcp) return { host: tcp[1], port: Number(tcp[2] ?? 2375) };
  throw new GateError(
    'usage',
    `unsupported DOCKER_HOST "${dockerHost}" (use unix:///path or tcp://host:port)`,
  );
}

/** The export is spooled to disk: 64 GiB is four layers at the walk's per-layer limit. */
const MAX_EXPORT_BYTES = 64 * 2 ** 30;
/**
 * The engine answers an export only once it has prepared it (minutes for a big image), so the
 * wait for headers gets a generous overall deadline of its own beside the idle timer.
 */
const HEADERS_DEADLINE_MS = 15 * 60_000;

function capped(max: number, host: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > max) {
        done(
          new GateError('limit', `the docker daemon at ${host} exported more than ${max} bytes`),
        );
        return;
      }
      done(null, chunk);
    },
  });
}

function engineRequest(endpoint: RequestOptions, path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(
      { ...endpoint, path, method: 'GET', headers: { Host: 'docker' } },
      (res) => {
        clearTimeout(deadline);
        resolve(res);
      },
    );
    const deadline = setTimeout(
      () => req.destroy(new Error(`no answer within ${HEADERS_DEADLINE_MS / 1000} s`)),
      HEADERS_DEADLINE_MS,
    );
    req.once('close', () => clearTimeout(deadline));
    req.setTimeout(60_000, () => req.destroy(new Error('timed out')));
    req.on('error', (err) =>
      reject(
        new GateError(
          'daemon',
          `cannot reach the docker daemon at ${describe(endpoint)}: ${err.message}`,
        ),
      ),
    );
    req.end();
  });
}

async function expectOk(res: IncomingMessage, host: string, what: string): Promise<void> {
  if (res.statusCode === 200) return;
  let body = '';
  for await (const chunk of res) {
    body += String(chunk);
    // An error message, not a document: the rest is not read.
    if (body.length > 16 << 10) {
      res.destroy();
      break;
    }
  }
  const message = (() => {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  })();
  throw new GateError(
    'daemon',
    `docker daemon at ${host} answered ${res.statusCode} to ${what}: ${message.trim().slice(0, 200)}`,
  );
}

function describe(endpoint: RequestOptions): string {
  return endpoint.socketPath ?? `${endpoint.host}:${endpoint.port}`;
}
