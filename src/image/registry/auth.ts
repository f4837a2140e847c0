import { GateError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Credentials, CredentialStore } from './credentials.js';
import { networkFailure, statusFailure } from './failures.js';
import { retrying } from './retry.js';
import type { RetryPolicy } from './retry.js';
import { isLoopbackHost, readBody, redactUrl } from './transport.js';
import type { HttpResponse, Transport } from './transport.js';

/** One `WWW-Authenticate` challenge: `Bearer realm="…",service="…",scope="…"`. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

type Scheme = { kind: 'basic' } | { kind: 'bearer'; realm: string; service?: string };

interface CachedToken {
  header: string;
  expiresAt: number;
}

export interface AuthenticatorDeps {
  transport: Transport;
  credentials: CredentialStore;
  policy: RetryPolicy;
  log: Logger;
  now?: () => number;
}

/**
 * Answers registry challenges. Once a registry has said how it authenticates, later requests
 * (other repositories, other scopes) authenticate up front instead of taking a 401 first.
 * Bearer tokens are cached per registry and scope until shortly before they expire.
 */
export class Authenticator {
  private readonly schemes = new Map<string, Scheme>();
  private readonly tokens = new Map<string, CachedToken>();
  private readonly now: () => number;

  constructor(private readonly deps: AuthenticatorDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The Authorization header to send before any challenge, if the registry's scheme is known. */
  async header(registry: string, scope: string): Promise<string | undefined> {
    const scheme = this.schemes.get(registry);
    if (!scheme) return undefined;
    if (scheme.kind === 'basic') return basicHeader(await this.deps.credentials.get(registry));
    const cached = this.tokens.get(`${registry}|${scope}`);
    if (cached && cached.expiresAt > this.now()) return cached.header;
    return this.bearer(registry, scope, scheme);
  }

  /**
   * The header to retry with after a 401. `sent` is what the refused request carried: refused
   * basic credentials are final, while a refused token is replaced by a fresh one (it may have
   * expired or been revoked). Throws GateError('auth') when there is nothing left to try.
   */
  async answer(
    registry: string,
    scope: string,
    wwwAuthenticate: string | undefined,
    sent: string | undefined,
    what: string,
  ): Promise<string> {
    this.tokens.delete(`${registry}|${scope}`);
    const challenges = parseChallenges(wwwAuthenticate ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    const basic = challenges.find((c) => c.scheme === 'basic');
    if (bearer) {
      const scheme: Scheme = {
        kind: 'bearer',
        realm: bearer.params.realm!,
        service: bearer.params.service,
      };
      this.schemes.set(registry, scheme);
      return this.bearer(registry, scope, scheme);
    }
    if (basic) {
      this.schemes.set(registry, { kind: 'basic' });
      const creds = await this.deps.credentials.get(registry);
      const header = basicHeader(creds);
      if (!header) {
        throw new GateError(
          'auth',
          `registry ${registry} answered 401 for ${what}: it needs credentials and none are configured (docker login ${registry})`,
        );
      }
      if (sent === header) {
        throw new GateError(
          'auth',
          `registry ${registry} answered 401 for ${what}: the configured credentials were refused`,
        );
      }
      return header;
    }
    throw new GateError(
      'auth',
      `registry ${registry} answered 401 for ${what} without a usable WWW-Authenticate challenge`,
    );
  }

  private async bearer(
    registry: string,
    scope: string,
    scheme: Extract<Scheme, { kind: 'bearer' }>,
  ): Promise<string> {
    const creds = await this.deps.credentials.get(registry);
    if (creds?.registryToken) return `Bearer ${creds.registryToken}`;
    const token = await this.fetchToken(registry, scope, scheme, creds);
    this.tokens.set(`${registry}|${scope}`, token);
    return token.header;
  }

  /** The token request of the distribution spec; an identity token uses the OAuth2 POST form. */
  private async fetchToken(
    registry: string,
    scope: string,
    scheme: Extract<Scheme, { kind: 'bearer' }>,
    creds: Credentials | undefined,
  ): Promise<CachedToken> {
    let realm: URL;
    try {
      realm = new URL(scheme.realm);
    } catch {
      throw new GateError(
        'auth',
        `registry ${registry} named an invalid token realm "${scheme.realm}"`,
      );
    }
    const hasSecret = !!(creds?.password || creds?.identityToken);
    const insecure = realm.protocol === 'http:' && !isLoopbackHost(realm.hostname);
    if (!['http:', 'https:'].includes(realm.protocol) || (insecure && hasSecret)) {
      throw new GateError(
        'auth',
        `registry ${registry} asked for credentials at ${redactUrl(realm)}, which is not HTTPS; refusing to send them`,
      );
    }
    const what = `a token for ${scope}`;
    const token = await retrying(this.deps.policy, this.deps.log, `${registry} token`, async () => {
      let res: HttpResponse;
      try {
        res = await this.requestToken(realm, scope, scheme.service, creds);
      } catch (err) {
        throw networkFailure(realm.host, err, 'token service');
      }
      if (res.status === 401 || res.status === 403) {
        res.body.resume();
        throw new GateError(
          'auth',
          `registry ${registry}: token service ${realm.host} answered ${res.status} for ${scope} (${creds ? 'the configured credentials were refused' : 'anonymous access refused; docker login ' + registry})`,
        );
      }
      if (res.status !== 200)
        throw await statusFailure(`${registry} token service ${realm.host}`, what, res);
      const body = await readBody(
        res,
        1 << 20,
        () => new GateError('limit', `registry ${registry}: the token response is too large`),
      );
      return parseTokenResponse(body, registry);
    });
    this.deps.log.debug(`registry ${registry}: got a token for ${scope}`);
    // Renew a little early so a token never expires between being read and being sent.
    const ttl = Math.max(0, (token.expiresIn ?? 60) - 10) * 1000;
    return { header: `Bearer ${token.token}`, expiresAt: this.now() + ttl };
  }

  private requestToken(
    realm: URL,
    scope: string,
    service: string | undefined,
    creds: Credentials | undefined,
  ): Promise<HttpResponse> {
    if (creds?.identityToken) {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.identityToken,
        client_id: 'image-gate',
        scope,
        ...(service ? { service } : {}),
      });
      return this.deps.transport.send({
        method: 'POST',
        url: realm,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: Buffer.from(form.toString()),
      });
    }
    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    url.searchParams.set('scope', scope);
    if (creds?.username) url.searchParams.set('account', creds.username);
    const headers: Record<string, string> = {};
    const basic = basicHeader(creds);
    if (basic) headers.Authorization = basic;
    return this.deps.transport.send({ method: 'GET', url, headers });
  }
}

function parseTokenResponse(body: Buffer, registry: string): { token: string; expiresIn?: number } {
  let doc: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    doc = JSON.parse(body.toString('utf8')) as typeof doc;
  } catch {
    throw new GateError(
      'auth',
      `registry ${registry}: the token service answered something that is not JSON`,
    );
  }
  const token = typeof doc.token === 'string' && doc.token ? doc.token : doc.access_token;
  if (typeof token !== 'string' || !token) {
    throw new GateError('auth', `registry ${registry}: the token service answered without a token`);
  }
  const expiresIn =
    typeof doc.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : undefined;
  return expiresIn === undefined ? { token } : { token, expiresIn };
}

function basicHeader(creds: Credentials | undefined): string | undefined {
  if (!creds?.username || creds.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
}

const TOKEN = /[A-Za-z0-9!#$%&'*+.^_`|~-]+/y;

/**
 * RFC 9110 challenges. Node joins repeated WWW-Authenticate headers with ", ", so one string can
 * hold several challenges; a token not followed by "=" starts the next one.
 */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const skip = (chars: RegExp): void => {
    while (i < header.length && chars.test(header[i]!)) i++;
  };
  const token = (): string | undefined => {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(header);
    if (!m) return undefined;
    i = TOKEN.lastIndex;
    return m[0];
  };
  while (i < header.length) {
    skip(/[\s,]/);
    const scheme = token();
    if (!scheme) break;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    for (;;) {
      skip(/\s/);
      const start = i;
      const name = token();
      skip(/\s/);
      if (!name || header[i] !== '=') {
        // The next challenge's scheme (or a token68, which image-gate has no use for).
        i = start;
        break;
      }
      i++;
      skip(/\s/);
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < header.length && header[i] !== '"') {
          if (header[i] === '\\') i++;
          value += header[i] ?? '';
          i++;
        }
        i++;
      } else {
        // Strictly a token, but some registries send an unquoted URL: read up to , or space.
        const from = i;
        while (i < header.length && !/[\s,]/.test(header[i]!)) i++;
        value = header.slice(from, i);
      }
      challenge.params[name.toLowerCase()] = value;
      skip(/\s/);
      if (header[i] !== ',') break;
      i++;
    }
  }
  return out;
}
