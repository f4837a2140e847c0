import { GateError } from '../errors.js';
import { redactCredentials } from '../redact.js';

/**
 * Image references in skopeo's transport syntax. A reference with no transport means
 * `docker://`, as `docker pull` would read it.
 */
export type ImageReference =
  | { transport: 'docker'; name: RegistryName }
  | { transport: 'docker-archive'; path: string; ref?: string }
  | { transport: 'oci'; path: string; ref?: string }
  | { transport: 'oci-archive'; path: string; ref?: string }
  | { transport: 'docker-daemon'; name: string };

/** A fully qualified registry image name, Docker Hub short names expanded. */
export interface RegistryName {
  /** `host[:port]`; Docker Hub is `docker.io`. */
  registry: string;
  /** `library/alpine`, `team/app`. */
  repository: string;
  tag?: string;
  /** `sha256:…` when pinned. A name may carry both a tag and a digest; the digest wins. */
  digest?: string;
}

const HOST_RE =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/;
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const REPO_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** Parses a reference; throws GateError('reference') with the reason. */
export function parseReference(input: string): ImageReference {
  const text = input.trim();
  if (text === '') throw invalid(input, 'it is empty');
  const transport = /^([a-z-]+):/.exec(text);
  // `host:5000/repo` has a colon too: only the known transport names count as transports.
  if (transport && KNOWN.has(transport[1]!)) {
    const rest = text.slice(transport[0].length);
    switch (transport[1]) {
      case 'docker':
        if (!rest.startsWith('//'))
          throw invalid(input, 'the docker transport is written docker://NAME');
        return { transport: 'docker', name: parseRegistryName(rest.slice(2), input) };
      case 'docker-daemon':
        if (rest === '') throw invalid(input, 'docker-daemon needs NAME:TAG or an image ID');
        return { transport: 'docker-daemon', name: rest };
      default:
        return { transport: transport[1] as 'oci', ...splitPathRef(rest, input) };
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(text))
    throw invalid(input, `unknown transport "${text.split(':')[0]}"`);
  return { transport: 'docker', name: parseRegistryName(text, input) };
}

const KNOWN = new Set(['docker', 'docker-archive', 'oci', 'oci-archive', 'docker-daemon']);

/** `PATH[:REF]`; skopeo splits at the first colon, so paths cannot contain one. */
function splitPathRef(rest: string, input: string): { path: string; ref?: string } {
  const colon = rest.indexOf(':');
  const path = colon < 0 ? rest : rest.slice(0, colon);
  const ref = colon < 0 ? undefined : rest.slice(colon + 1);
  if (path === '') throw invalid(input, 'the path is empty');
  return ref ? { path, ref } : { path };
}

/** Docker's normalisation: `alpine` is `docker.io/library/alpine:latest`. */
export function parseRegistryName(text: string, input = text): RegistryName {
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  const slash = rest.indexOf('/');
  // `user:password@registry/repo`: docker and skopeo have no such syntax, and echoing it back
  // would print the password. Credentials come from docker login / --docker-config.
  // After the last `/`, an `@` must start a digest: `host:5000/app@sha256:…` and
  // `app:1@sha256:…` are references, `user:pw@host:5000` is userinfo.
  if (at >= 0 && ((slash >= 0 && at < slash) || !rest.slice(at + 1).startsWith('sha256:'))) {
    throw invalid(
      input,
      'credentials cannot be part of an image reference (userinfo before "@"); ' +
        'use docker login or --docker-config',
    );
  }
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) throw invalid(input, `"${digest}" is not a sha256 digest`);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG_RE.test(tag)) throw invalid(input, `"${tag}" is not a valid tag`);
  }
  const parts = rest.split('/');
  let registry = 'docker.io';
  const first = parts[0]!;
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = parts.shift()!;
  }
  if (!HOST_RE.test(registry)) throw invalid(input, `"${registry}" is not a valid registry host`);
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = 'docker.io';
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  for (const part of parts) {
    if (!REPO_COMPONENT_RE.test(part)) {
      throw invalid(input, `"${part}" is not a valid repository name component (lower case only)`);
    }
  }
  if (!tag && !digest) tag = 'latest';
  return {
    registry,
    repository: parts.join('/'),
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}

/** The canonical text of a reference, e.g. `docker://docker.io/library/alpine:latest`. */
export function formatReference(ref: ImageReference): string {
  switch (ref.transport) {
    case 'docker':
      return `docker://${formatRegistryName(ref.name)}`;
    case 'docker-daemon':
      return `docker-daemon:${ref.name}`;
    default:
      return `${ref.transport}:${ref.path}${ref.ref ? `:${ref.ref}` : ''}`;
  }
}

export function formatRegistryName(name: RegistryName): string {
  const tag = name.tag ? `:${name.tag}` : '';
  const digest = name.digest ? `@${name.digest}` : '';
  return `${name.registry}/${name.repository}${tag}${digest}`;
}

/**
 * The reference is quoted without anything that could be userinfo: whatever comes before an `@`
 * that does not start a digest (`token@registry/repo`, `user:pw@host`) is shown as `***`.
 */
function invalid(input: string, why: string): GateError {
  const shown = redactCredentials(input).replace(/^((?:docker:\/\/)?)[^@]*@(?!sha256:)/, '$1***@');
  return new GateError('reference', `invalid image reference "${shown}": ${why}`);
}
