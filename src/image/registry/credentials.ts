import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GateError } from '../../errors.js';

/** What a registry login left behind. Never logged. */
export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (`identitytoken`, or a helper's `<token>` user). */
  identityToken?: string;
  /** A bearer token to send as is (`registrytoken`). */
  registryToken?: string;
}

/**
 * Asks `docker-credential-<helper> get` for a server's credentials; undefined when the helper
 * has none. Injectable so the action (or a test) can supply its own.
 */
export type CredentialHelperRunner = (
  helper: string,
  serverUrl: string,
) => Promise<Credentials | undefined>;

/** The part of docker's config.json that holds credentials. */
interface DockerConfig {
  auths?: Record<
    string,
    {
      auth?: string;
      username?: string;
      password?: string;
      identitytoken?: string;
      registrytoken?: string;
    }
  >;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** The key docker login uses for Docker Hub. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/** `$DOCKER_CONFIG`, else `~/.docker`, as the docker CLI resolves it. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || join(homedir(), '.docker');
}

/**
 * Credentials from docker's config.json: `credHelpers` for the host, else `credsStore`, else the
 * inline `auths` entry (what docker/login-action writes on a runner). Results, including
 * "none", are cached per registry so a helper runs at most once.
 */
export class CredentialStore {
  private config: Promise<DockerConfig> | undefined;
  private readonly cache = new Map<string, Promise<Credentials | undefined>>();

  constructor(
    private readonly configDir: string,
    private readonly runHelper: CredentialHelperRunner = runCredentialHelper,
  ) {}

  get(registry: string): Promise<Credentials | undefined> {
    let hit = this.cache.get(registry);
    if (!hit) {
      hit = this.lookup(registry);
      this.cache.set(registry, hit);
    }
    return hit;
  }

  private async lookup(registry: string): Promise<Credentials | undefined> {
    const config = await (this.config ??= loadDockerConfig(this.configDir));
    const keys = authKeys(registry);
    const helper =
      keys.map((k) => config.credHelpers?.[k]).find((h): h is string => !!h) ?? config.credsStore;
    if (helper) {
      const serverUrl = registry === 'docker.io' ? DOCKER_HUB_AUTH_KEY : registry;
      const fromHelper = await this.runHelper(helper, serverUrl);
      if (fromHelper) return fromHelper;
    }
    return fromAuths(config, keys);
  }
}

async function loadDockerConfig(dir: string): Promise<DockerConfig> {
  const file = join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new GateError('auth', `cannot read docker config ${file}: ${(err as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as DockerConfig) : {};
  } catch {
    throw new GateError('auth', `docker config ${file} is not valid JSON`);
  }
}

/** The config keys that can name a registry: docker accepts URLs and bare hosts alike. */
function authKeys(registry: string): string[] {
  if (registry === 'docker.io') {
    return [DOCKER_HUB_AUTH_KEY, 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  }
  return [registry];
}

/** `https://ghcr.io/v1/` → `ghcr.io`, as docker's ConvertToHostname does. */
function hostOfKey(key: string): string {
  return key.replace(/^https?:\/\//, '').split('/')[0]!;
}

function fromAuths(config: DockerConfig, keys: string[]): Credentials | undefined {
  const auths = config.auths ?? {};
  const wanted = new Set(keys.map(hostOfKey));
  const key =
    keys.find((k) => auths[k]) ?? Object.keys(auths).find((k) => wanted.has(hostOfKey(k)));
  const entry = key ? auths[key] : undefined;
  if (!entry) return undefined;
  const creds: Credentials = {};
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      creds.username = decoded.slice(0, colon);
      creds.password = decoded.slice(colon + 1);
    }
  }
  if (entry.username) creds.username = entry.username;
  if (entry.password) creds.password = entry.password;
  if (entry.identitytoken) creds.identityToken = entry.identitytoken;
  if (entry.registrytoken) creds.registryToken = entry.registrytoken;
  return Object.keys(creds).length > 0 ? creds : undefined;
}

/** The docker-credential-helpers protocol: server URL on stdin, JSON on stdout. */
export const runCredentialHelper: CredentialHelperRunner = (helper, serverUrl) => {
  const program = `docker-credential-${helper}`;
  if (!/^[\w.-]+$/.test(helper)) {
    return Promise.reject(new GateError('auth', `invalid credential helper name "${helper}"`));
  }
  return new Promise((resolve, reject) => {
    const child = execFile(
      program,
      ['get'],
      { timeout: 30_000, maxBuffer: 1 << 20, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const output = `${stdout}\n${stderr}`;
        if (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
            reject(new GateError('auth', `credential helper ${program} is not on PATH`));
          } else if (/credentials not found/i.test(output)) {
            resolve(undefined);
          } else {
            // stderr only: a helper's stdout could be a half-written secret.
            const why = stderr.trim().split('\n')[0] || err.message.split('\n')[0];
            reject(
              new GateError('auth', `credential helper ${program} failed for ${serverUrl}: ${why}`),
            );
          }
          return;
        }
        try {
          const doc = JSON.parse(stdout) as { Username?: string; Secret?: string };
          if (!doc.Secret) return resolve(undefined);
          // A `<token>` user means the secret is an identity (refresh) token, not a password.
          resolve(
            doc.Username === '<token>'
              ? { identityToken: doc.Secret }
              : { username: doc.Username ?? '', password: doc.Secret },
          );
        } catch {
          reject(
            new GateError(
              'auth',
              `credential helper ${program} printed something that is not JSON`,
            ),
          );
        }
      },
    );
    child.stdin?.on('error', () => {}); // a helper that exits without reading stdin
    child.stdin?.end(serverUrl);
  });
};
