import type { Readable } from 'node:stream';
import { GateError } from '../../errors.js';
import { silentLogger } from '../../log.js';
import type { Logger } from '../../log.js';
import { digestHex, sha256 } from '../digest.js';
import { Authenticator } from './auth.js';
import { resumableBlobStream } from './blob-stream.js';
import { CredentialStore, dockerConfigDir } from './credentials.js';
import type { CredentialHelperRunner } from './credentials.js';
import { networkFailure, statusFailure, transferFailure } from './failures.js';
import {
  baseMediaType,
  isGenericContentType,
  isSchema1MediaType,
  MANIFEST_ACCEPT,
  MAX_MANIFEST_BYTES,
  MediaType,
} from './media-types.js';
import { defaultRetryPolicy, Retryable, retrying } from './retry.js';
import type { RetryPolicy } from './retry.js';
import {
  discard,
  headerValue,
  readBody,
  redactUrl,
  registryEndpoint,
  Transport,
} from './transport.js';
import type { HttpRequest, HttpResponse } from './transport.js';

export interface RegistryClientOptions {
  /** false accepts self-signed certificates (`--tls-verify=false`). Default true. */
  tlsVerify?: boolean;
  /** Where docker's config.json is; default `$DOCKER_CONFIG` or `~/.docker`. */
  dockerConfigDir?: string;
  userAgent?: string;
  /** Retries after the first attempt on 429, 5xx and dropped connections. Default 4. */
  retries?: number;
  log?: Logger;
  credentialHelperRunner?: CredentialHelperRunner;
  /** Default 15 s. */
  connectTimeoutMs?: number;
  /** Longest silence while waiting for or reading a response. Default 60 s. */
  idleTimeoutMs?: number;
  /** First backoff step, doubled each retry. Default 500 ms; tests set it near 0. */
  retryBaseDelayMs?: number;
  /** Cap on one wait, including a server's Retry-After. Default 30 s. */
  retryMaxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  maxManifestBytes?: number;
}

/** A repository on a registry; `registry` is `host[:port]`, Docker Hub is `docker.io`. */
export interface RepositoryRef {
  registry: string;
  repository: string;
}

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  /** sha256 of `bytes`, checked against the digest asked for or the one the registry sent. */
  digest: string;
}

type Action = 'pull' | 'pull,push';

interface Operation {
  repo: RepositoryRef;
  method: HttpRequest['method'];
  url: URL;
  headers?: Record<string, string>;
  /** Called per attempt; a stream body can only be sent once, so it disables retries. */
  body?: () => Buffer | Readable;
  replayable: boolean;
  action: Action;
  expect: number[];
  /** `manifest demo/app:latest`, for messages. */
  what: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
const MAX_TAG_PAGES = 1000;
const REPOSITORY_RE =
  /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;

/**
 * A client for the OCI Distribution API v2: manifests and blobs in both directions, tags,
 * docker-style credentials, bearer tokens, retries. Plain HTTP for loopback registries only.
 */
export class RegistryClient {
  private readonly transport: Transport;
  private readonly auth: Authenticator;
  private readonly policy: RetryPolicy;
  private readonly log: Logger;
  private readonly maxManifestBytes: number;

  constructor(options: RegistryClientOptions = {}) {
    this.log = options.log ?? silentLogger;
    this.maxManifestBytes = options.maxManifestBytes ?? MAX_MANIFEST_BYTES;
    this.transport = new Transport({
      tlsVerify: options.tlsVerify ?? true,
      userAgent: options.userAgent ?? 'image-gate',
      connectTimeoutMs: options.connectTimeoutMs ?? 15_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
    });
    this.policy = defaultRetryPolicy({
      ...(options.retries !== undefined ? { retries: Math.max(0, options.retries) } : {}),
      ...(options.retryBaseDelayMs !== undefined ? { baseDelayMs: options.retryBaseDelayMs } : {}),
      ...(options.retryMaxDelayMs !== undefined ? { maxDelayMs: options.retryMaxDelayMs } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
    const credentials = new CredentialStore(
      options.dockerConfigDir ?? dockerConfigDir(),
      options.credentialHelperRunner,
    );
    this.auth = new Authenticator({
      transport: this.transport,
      credentials,
      policy: this.policy,
      log: this.log,
    });
  }

  /**
   * A manifest or index by tag or digest, verified: by digest against that digest, by tag
   * against the registry's Docker-Content-Digest when it sends one. Schema 1 is refused.
   */
  async getManifest(
    repo: RepositoryRef,
    tagOrDigest: string,
    accept: string[] = MANIFEST_ACCEPT,
  ): Promise<FetchedManifest> {
    const byDigest = checkRef(tagOrDigest);
    const what = `manifest ${repo.repository}${byDigest ? '@' : ':'}${tagOrDigest}`;
    const op = this.operation(repo, 'GET', `manifests/${tagOrDigest}`, what, {
      headers: { Accept: accept.join(', ') },
    });
    return this.request(op, async (res) => {
      const bytes = await readBody(res, this.maxManifestBytes, (size) =>
        tooLarge(repo, what, size, this.maxManifestBytes),
      );
      const digest = sha256(bytes);
      const sent = headerValue(res.headers, 'docker-content-digest')?.trim();
      const expected = byDigest ? tagOrDigest : sent?.startsWith('sha256:') ? sent : undefined;
      if (expected && expected !== digest) {
        throw new GateError(
          'digest',
          `${what} from registry ${repo.registry}: digest mismatch (expected ${expected}, got ${digest})`,
        );
      }
      const where = `${what} from registry ${repo.registry}`;
      const mediaType = manifestMediaType(bytes, headerValue(res.headers, 'content-type'), where);
      return { bytes, mediaType, digest };
    });
  }

  /**
   * A blob as a stream, following redirects (without the Authorization header when they leave
   * the registry). A connection that drops mid-way is resumed with a Range request. The caller
   * verifies the digest while reading.
   */
  async getBlob(repo: RepositoryRef, digest: string): Promise<Readable> {
    digestHex(digest);
    const op = this.operation(repo, 'GET', `blobs/${digest}`, `blob ${repo.repository}@${digest}`);
    const first = await this.request(op, async (res) => res);
    return resumableBlobStream(first, {
      policy: this.policy,
      log: this.log,
      reopen: (offset) =>
        this.send({
          ...op,
          headers: { ...op.headers, Range: `bytes=${offset}-` },
          expect: [206, 200],
        }),
      failure: (err) => transferFailure(repo.registry, op.what, err),
      statusFailure: (res) => statusFailure(repo.registry, op.what, res),
    });
  }

  /** A small blob (a config), buffered up to `maxBytes` and verified against its digest. */
  async getBlobBytes(repo: RepositoryRef, digest: string, maxBytes: number): Promise<Buffer> {
    digestHex(digest);
    const what = `blob ${repo.repository}@${digest}`;
    const op = this.operation(repo, 'GET', `blobs/${digest}`, what);
    return this.request(op, async (res) => {
      const bytes = await readBody(res, maxBytes, (size) => tooLarge(repo, what, size, maxBytes));
      const actual = sha256(bytes);
      if (actual !== digest) {
        throw new GateError(
          'digest',
          `${what} from registry ${repo.registry}: digest mismatch (expected ${digest}, got ${actual})`,
        );
      }
      return bytes;
    });
  }

  async blobExists(repo: RepositoryRef, digest: string): Promise<boolean> {
    return this.hasBlob(repo, digest, 'pull');
  }

  /**
   * Uploads a blob unless the registry has it: POST to open an upload, then one PUT with
   * `?digest=`. A Buffer is checked against the digest first and retried freely; a stream is
   * sent once (it cannot be replayed) and the registry checks its digest.
   */
  async pushBlob(
    repo: RepositoryRef,
    digest: string,
    data: Buffer | Readable,
    size: number,
  ): Promise<void> {
    digestHex(digest);
    const what = `upload of blob ${repo.repository}@${digest}`;
    if (Buffer.isBuffer(data)) {
      const actual = sha256(data);
      if (actual !== digest || data.length !== size) {
        throw new GateError(
          'digest',
          `${what}: the bytes do not match (expected ${digest}, ${size} bytes; got ${actual}, ${data.length} bytes)`,
        );
      }
    }
    // Asked with the push scope, so that one token serves the check and the upload.
    if (await this.hasBlob(repo, digest, 'pull,push')) {
      this.log.debug(`registry ${repo.registry} already has ${digest}`);
      if (!Buffer.isBuffer(data)) data.resume();
      return;
    }
    const start = this.operation(repo, 'POST', 'blobs/uploads/', what, {
      action: 'pull,push',
      expect: [202],
      headers: { 'Content-Length': '0' },
    });
    const location = await this.request(start, async (res) => {
      discard(res);
      const loc = headerValue(res.headers, 'location');
      if (!loc) {
        throw new GateError(
          'registry',
          `registry ${repo.registry} opened an upload for ${what} without a Location`,
        );
      }
      return new URL(loc, res.url);
    });
    location.searchParams.set('digest', digest);
    const put: Operation = {
      repo,
      method: 'PUT',
      url: location,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
      body: () => data,
      replayable: Buffer.isBuffer(data),
      action: 'pull,push',
      expect: [201, 204],
      what,
    };
    await this.request(put, async (res) => discard(res));
  }

  /** Uploads a manifest under a tag (or digest) and returns its digest. */
  async putManifest(
    repo: RepositoryRef,
    tag: string,
    bytes: Buffer,
    mediaType: string,
  ): Promise<string> {
    const byDigest = checkRef(tag);
    const digest = sha256(bytes);
    if (byDigest && digest !== tag) {
      throw new GateError(
        'digest',
        `manifest for ${repo.repository}@${tag}: the bytes hash to ${digest}`,
      );
    }
    const what = `upload of manifest ${repo.repository}${byDigest ? '@' : ':'}${tag}`;
    const op = this.operation(repo, 'PUT', `manifests/${tag}`, what, {
      action: 'pull,push',
      expect: [201, 200, 202],
      headers: { 'Content-Type': mediaType },
      body: () => bytes,
    });
    return this.request(op, async (res) => {
      discard(res);
      const sent = headerValue(res.headers, 'docker-content-digest')?.trim();
      if (sent?.startsWith('sha256:') && sent !== digest) {
        throw new GateError(
          'digest',
          `${what}: registry ${repo.registry} stored digest ${sent}, expected ${digest}`,
        );
      }
      return digest;
    });
  }

  /**
   * The OCI 1.1 referrers index of a digest (raw bytes), or undefined when the registry has no
   * referrers API (404): callers then read the fallback tag `sha256-<hex>`.
   */
  async getReferrers(repo: RepositoryRef, digest: string): Promise<Buffer | undefined> {
    digestHex(digest);
    const what = `referrers of ${repo.repository}@${digest}`;
    const op = this.operation(repo, 'GET', `referrers/${digest}`, what, {
      expect: [200, 404],
      headers: { Accept: MediaType.ociIndex },
    });
    return this.request(op, async (res) => {
      if (res.status === 404) {
        discard(res);
        return undefined;
      }
      return readBody(res, this.maxManifestBytes, (size) =>
        tooLarge(repo, what, size, this.maxManifestBytes),
      );
    });
  }

  /** Every tag of a repository, following `Link: <…>; rel="next"` pages. */
  async listTags(repo: RepositoryRef): Promise<string[]> {
    const tags: string[] = [];
    const what = `tags of ${repo.repository}`;
    let op: Operation | undefined = this.operation(repo, 'GET', 'tags/list', what);
    for (let page = 0; op && page < MAX_TAG_PAGES; page++) {
      const current: Operation = op;
      op = await this.request(current, async (res) => {
        const body = await readBody(res, 16 << 20, (size) => tooLarge(repo, what, size, 16 << 20));
        let doc: { tags?: unknown };
        try {
          doc = JSON.parse(body.toString('utf8')) as { tags?: unknown };
        } catch {
          throw new GateError(
            'format',
            `registry ${repo.registry}: the ${what} are not valid JSON`,
          );
        }
        if (Array.isArray(doc.tags))
          tags.push(...doc.tags.filter((t): t is string => typeof t === 'string'));
        const next = nextLink(headerValue(res.headers, 'link'));
        return next ? { ...current, url: new URL(next, res.url) } : undefined;
      });
    }
    return tags;
  }

  /** Closes pooled connections. */
  async close(): Promise<void> {
    this.transport.close();
  }

  private hasBlob(repo: RepositoryRef, digest: string, action: Action): Promise<boolean> {
    digestHex(digest);
    const op = this.operation(
      repo,
      'HEAD',
      `blobs/${digest}`,
      `blob ${repo.repository}@${digest}`,
      {
        expect: [200, 404],
        action,
      },
    );
    return this.request(op, async (res) => {
      discard(res);
      return res.status === 200;
    });
  }

  private operation(
    repo: RepositoryRef,
    method: HttpRequest['method'],
    suffix: string,
    what: string,
    extra: Partial<Pick<Operation, 'headers' | 'body' | 'action' | 'expect'>> = {},
  ): Operation {
    if (!REPOSITORY_RE.test(repo.repository)) {
      throw new GateError('reference', `invalid repository name "${repo.repository}"`);
    }
    return {
      repo,
      method,
      url: new URL(`/v2/${repo.repository}/${suffix}`, registryEndpoint(repo.registry)),
      replayable: true,
      action: 'pull',
      expect: [200],
      what,
      ...extra,
    };
  }

  /** Runs an operation with retries; `consume` reads the body of an expected status. */
  private request<T>(op: Operation, consume: (res: HttpResponse) => Promise<T>): Promise<T> {
    const policy = op.replayable ? this.policy : { ...this.policy, retries: 0 };
    return retrying(policy, this.log, `${op.repo.registry} ${op.what}`, async () => {
      const res = await this.send(op);
      if (!op.expect.includes(res.status))
        throw await statusFailure(op.repo.registry, op.what, res);
      try {
        return await consume(res);
      } catch (err) {
        if (err instanceof GateError || err instanceof Retryable) throw err;
        throw transferFailure(op.repo.registry, op.what, err);
      }
    });
  }

  /**
   * One attempt: authenticates on a 401 (once) and follows redirects. Authorization goes only
   * to the registry's own origin, never to a storage backend it redirects to.
   */
  private async send(op: Operation): Promise<HttpResponse> {
    const { registry } = op.repo;
    const origin = registryEndpoint(registry).origin;
    const scope = `repository:${op.repo.repository}:${op.action}`;
    let authorization = await this.auth.header(registry, scope);
    let answered = false;
    let url = op.url;
    for (let redirects = 0; ;) {
      const ownOrigin = url.origin === origin;
      const headers = { ...op.headers };
      if (authorization && ownOrigin) headers.Authorization = authorization;
      let res: HttpResponse;
      try {
        res = await this.transport.send({ method: op.method, url, headers, body: op.body?.() });
      } catch (err) {
        throw networkFailure(
          ownOrigin ? registry : `${url.host} (redirected from ${registry})`,
          err,
        );
      }
      this.log.debug(`${op.method} ${redactUrl(url)} → ${res.status}`);
      if (res.status === 401 && ownOrigin && !answered && op.replayable) {
        discard(res);
        answered = true;
        const challenge = headerValue(res.headers, 'www-authenticate');
        authorization = await this.auth.answer(registry, scope, challenge, authorization, op.what);
        continue;
      }
      const location = headerValue(res.headers, 'location');
      if (REDIRECTS.has(res.status) && location && op.replayable) {
        discard(res);
        if (++redirects > MAX_REDIRECTS) {
          throw new GateError(
            'registry',
            `registry ${registry}: too many redirects for ${op.what}`,
          );
        }
        url = new URL(location, url);
        continue;
      }
      return res;
    }
  }
}

/** True for a digest, false for a tag; anything else is refused before it reaches a URL. */
function checkRef(ref: string): boolean {
  if (ref.includes(':')) {
    digestHex(ref);
    return true;
  }
  if (!TAG_RE.test(ref)) throw new GateError('reference', `invalid tag "${ref}"`);
  return false;
}

function tooLarge(repo: RepositoryRef, what: string, size: number, max: number): GateError {
  return new GateError(
    'limit',
    `${what} from registry ${repo.registry} is too large (${size} bytes, at most ${max} accepted)`,
  );
}

/**
 * The manifest's own `mediaType` field wins (it is covered by the digest); else a specific
 * Content-Type; else the shape of the document. Schema 1, in any of its forms, is refused.
 */
function manifestMediaType(bytes: Buffer, contentType: string | undefined, where: string): string {
  const header = baseMediaType(contentType);
  const schema1 = (): GateError =>
    new GateError(
      'format',
      `${where}: Docker schema 1 manifests are not supported (they carry no config and no diff_ids); push the image again with a current docker, buildah or skopeo`,
    );
  if (isSchema1MediaType(header)) throw schema1();
  let doc: { schemaVersion?: unknown; mediaType?: unknown; manifests?: unknown };
  try {
    doc = JSON.parse(bytes.toString('utf8')) as typeof doc;
  } catch {
    throw new GateError('format', `${where}: the manifest is not valid JSON`);
  }
  if (!doc || typeof doc !== 'object')
    throw new GateError('format', `${where}: the manifest is not a JSON object`);
  const field = typeof doc.mediaType === 'string' ? doc.mediaType : '';
  if (doc.schemaVersion === 1 || isSchema1MediaType(field)) throw schema1();
  if (field) return field;
  if (!isGenericContentType(header)) return header;
  return Array.isArray(doc.manifests) ? MediaType.ociIndex : MediaType.ociManifest;
}

/** `</v2/x/tags/list?last=a&n=100>; rel="next"` → the URL. */
function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m && /rel="?next"?/i.test(m[2]!)) return m[1];
  }
  return undefined;
}
