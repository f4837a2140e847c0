import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GateError } from '../errors.js';
import type { ScannerName } from '../scanners/finding.js';
import { parseDuration } from '../scanners/duration.js';
import type { ActionConfig, BuildConfig, CommentMode, SignConfig } from './config.js';

/** The inputs declared in action.yml (a unit test keeps the two in step). */
export const INPUTS = [
  'image',
  'context',
  'file',
  'build-args',
  'target',
  'tags',
  'policy',
  'scanners',
  'trivy-version',
  'grype-version',
  'max-db-age',
  'scanner-timeout',
  'trivy-report',
  'grype-report',
  'platform',
  'fail',
  'comment',
  'comment-key',
  'matrix',
  'summary',
  'sarif',
  'github-token',
  'sign',
  'signing-key',
  'signing-key-password',
  'sign-legacy',
  'keyless',
  'fulcio-url',
  'tsa-url',
  'tlog',
  'rekor-url',
  'trusted-root',
] as const;

export type InputName = (typeof INPUTS)[number];

/** Looked for when `policy` is empty; the first that exists is used. */
export const DEFAULT_POLICY_FILES = ['.github/image-gate.yml', '.github/image-gate.yaml'];
/** `policy: built-in` forces the default policy even when the repository has a file. */
export const BUILT_IN = 'built-in';

type Env = Record<string, string | undefined>;

/** The variable the runner sets for an input: upper-cased, spaces to `_`, dashes kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** An input as @actions/core's getInput reads it: trimmed, '' when unset. */
export function input(env: Env, name: InputName): string {
  return (env[inputVariable(name)] ?? '').trim();
}

/** Non-empty lines (and, for lists that allow it, comma-separated items), trimmed. */
export function list(env: Env, name: InputName, commas = false): string[] {
  return input(env, name)
    .split(commas ? /[\n,]/ : /\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** YAML 1.2 core booleans, as core.getBooleanInput accepts them. */
export function booleanInput(env: Env, name: InputName, fallback: boolean): boolean {
  const value = input(env, name);
  if (value === '') return fallback;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw usage(`input "${name}" must be true or false, not "${value}"`);
}

/** `ghcr.io/a/b:1`, `docker://…`: a registry reference, not a layout, archive or daemon image. */
function isRegistryImage(reference: string): boolean {
  return !/^(oci|oci-archive|docker-archive|docker-daemon):/.test(reference);
}

function usage(message: string): GateError {
  return new GateError('usage', message);
}

function optional<K extends string>(key: K, value: string): { [P in K]?: string } {
  return (value === '' ? {} : { [key]: value }) as { [P in K]?: string };
}

function scannersInput(env: Env): ScannerName[] {
  const names = list(env, 'scanners', true).map((s) => s.toLowerCase());
  if (names.length === 1 && names[0] === 'none') return [];
  for (const name of names) {
    if (name !== 'trivy' && name !== 'grype') {
      throw usage(`input "scanners": unknown scanner "${name}" (use trivy, grype or none)`);
    }
  }
  return [...new Set(names)] as ScannerName[];
}

function buildInput(env: Env, platform: string): BuildConfig | undefined {
  const context = input(env, 'context');
  const tags = list(env, 'tags', true);
  const file = input(env, 'file');
  const target = input(env, 'target');
  const buildArgs = list(env, 'build-args');
  const any =
    context !== '' || tags.length > 0 || file !== '' || target !== '' || buildArgs.length > 0;
  if (!any) return undefined;
  if (tags.length === 0) throw usage('building an image needs "tags": the first tag is gated');
  return {
    context: context || '.',
    buildArgs,
    tags,
    ...optional('file', file),
    ...optional('target', target),
    ...optional('platform', platform),
  };
}

function policyInput(env: Env, cwd: string): string | undefined {
  const value = input(env, 'policy');
  if (value === BUILT_IN) return undefined;
  if (value !== '') return value;
  return DEFAULT_POLICY_FILES.find((f) => existsSync(join(cwd, f)));
}

function commentInput(env: Env): CommentMode {
  const value = input(env, 'comment') || 'auto';
  if (value === 'auto' || value === 'always' || value === 'never') return value;
  throw usage(`input "comment" must be auto, always or never, not "${value}"`);
}

function timeoutInput(env: Env): number | undefined {
  const value = input(env, 'scanner-timeout');
  if (value === '') return undefined;
  // Plain seconds, as the policy's `timeout`, or a duration such as `10m`.
  if (/^\d+$/.test(value)) return Number(value);
  return Math.ceil(parseDuration(value) / 1000);
}

function signInput(env: Env): SignConfig | undefined {
  if (!booleanInput(env, 'sign', false)) return undefined;
  const keyPem = input(env, 'signing-key');
  if (booleanInput(env, 'keyless', false)) {
    if (keyPem !== '') throw usage('give either "signing-key" or "keyless: true", not both');
    const trustedRootPath = input(env, 'trusted-root');
    if (trustedRootPath === '') {
      throw usage(
        'keyless: true needs "trusted-root" (the sigstore trusted_root.json to verify against)',
      );
    }
    return {
      legacy: false,
      keyless: {
        fulcioURL: input(env, 'fulcio-url') || 'https://fulcio.sigstore.dev',
        tsaURL: input(env, 'tsa-url') || 'https://timestamp.sigstore.dev',
        ...(booleanInput(env, 'tlog', false)
          ? { rekorURL: input(env, 'rekor-url') || 'https://rekor.sigstore.dev' }
          : {}),
        trustedRootPath,
      },
    };
  }
  if (keyPem === '') {
    throw usage(
      'sign: true needs "signing-key" (the private key, from a secret) or "keyless: true"',
    );
  }
  return {
    keyPem,
    legacy: booleanInput(env, 'sign-legacy', true),
    ...optional('password', input(env, 'signing-key-password')),
  };
}

/** Reads and checks every input; throws GateError('usage') naming the input that is wrong. */
export function readConfig(env: Env, cwd = process.cwd()): ActionConfig {
  const platform = input(env, 'platform');
  const build = buildInput(env, platform);
  const images = list(env, 'image');
  if (build && images.length > 0) {
    throw usage('give either "image" or the build inputs ("context", "tags"), not both');
  }
  if (!build && images.length === 0) {
    throw usage('nothing to gate: set "image", or "context" and "tags" to build one');
  }
  const maxDbAge = input(env, 'max-db-age');
  if (maxDbAge !== '') parseDuration(maxDbAge);
  const policyPath = policyInput(env, cwd);
  const trivyVersion = input(env, 'trivy-version');
  const grypeVersion = input(env, 'grype-version');
  const timeout = timeoutInput(env);
  const sign = signInput(env);
  if (sign && (build || images.some((i) => !isRegistryImage(i)))) {
    throw usage('sign: true signs images in a registry: give registry references in "image"');
  }
  return {
    images,
    ...(build ? { build } : {}),
    ...(policyPath !== undefined ? { policyPath } : {}),
    scanners: scannersInput(env),
    scannerVersions: {
      ...optional('trivy', trivyVersion.replace(/^v/, '')),
      ...optional('grype', grypeVersion.replace(/^v/, '')),
    },
    ...optional('maxDbAge', maxDbAge),
    ...(timeout !== undefined ? { scannerTimeout: timeout } : {}),
    ...optional('trivyReport', input(env, 'trivy-report')),
    ...optional('grypeReport', input(env, 'grype-report')),
    ...optional('platform', platform),
    fail: booleanInput(env, 'fail', true),
    comment: commentInput(env),
    ...optional('commentKey', input(env, 'comment-key')),
    ...optional('matrix', input(env, 'matrix')),
    summary: booleanInput(env, 'summary', true),
    ...optional('sarif', input(env, 'sarif')),
    ...optional('githubToken', input(env, 'github-token')),
    ...(sign ? { sign } : {}),
  };
}
