import { parseArgs } from 'node:util';
import { GateError } from '../errors.js';
import { parseWatchCommand, type WatchCommand } from './watch-args.js';

export type Command =
  | { command: 'inspect'; image: string; format: 'table' | 'json'; common: CommonFlags }
  | {
      command: 'check';
      image: string;
      policy?: string;
      format: ReportFormat;
      outputs: { format: ReportFormat; file: string }[];
      trivyReport?: string;
      grypeReport?: string;
      /** Where scanner databases come from and are kept (default: their public sources). */
      scannerDb?: { trivyRepository?: string; grypeUpdateUrl?: string; cacheDir?: string };
      /** `check --sign` and `sign`: sign the gated digest after a pass. */
      sign?: SignFlags;
      common: CommonFlags;
    }
  | {
      command: 'verify';
      image: string;
      /** Exactly one of key and keyless. */
      key?: string;
      keyless?: KeylessFlags;
      maxAge?: string;
      policyDigest?: string;
      requireAttestation: boolean;
      format: 'table' | 'json';
      common: CommonFlags;
    }
  | { command: 'generate-key-pair'; prefix: string }
  | { command: 'merge'; reports: string[]; format: ReportFormat }
  | { command: 'help'; text: string }
  | { command: 'version' }
  | WatchCommand;

export interface KeylessFlags {
  trustedRoot: string;
  identity?: string;
  identityRegexp?: string;
  issuer: string;
  workflowRepository?: string;
}

export interface SignFlags {
  /** Exactly one of key and keyless. */
  key?: string;
  keyless?: { fulcioURL: string; tsaURL?: string; rekorURL?: string; trustedRootPath: string };
  /** --recursive: also sign the gated platform manifest of an index. */
  recursive: boolean;
  /** false with --no-legacy: bundle referrers only. */
  legacy: boolean;
}

export type ReportFormat = 'table' | 'json' | 'markdown' | 'sarif';

export interface CommonFlags {
  platform?: string;
  tlsVerify: boolean;
  dockerConfigDir?: string;
  debug: boolean;
}

export const USAGE = `Usage: image-gate <command> [options]

Commands:
  inspect IMAGE        Read an image (verifying every digest) and describe it
  check IMAGE          Judge an image against a policy; exit 0 pass, 1 fail, 2 error
  merge REPORT...      Merge Trivy and Grype reports into one list of findings
  watch --key P        Check running containers by the image they run (see watch --help)
  sign IMAGE --key K   Check, then sign the gated digest if it passed (same as check --sign)
  verify IMAGE --key P Verify signatures and the signed verdict; exit 0 verified, 1 not, 2 error
  generate-key-pair    Write cosign.key (encrypted with $COSIGN_PASSWORD) and cosign.pub

IMAGE is a reference in skopeo's syntax: docker://HOST/REPO:TAG (the default transport),
docker-archive:PATH[:REF], oci:PATH[:REF], oci-archive:PATH[:REF], docker-daemon:NAME:TAG.

Options:
  --format FORMAT        table (default), json, markdown or sarif (markdown/sarif: check, merge)
  --output FORMAT=FILE   check: also write a report in FORMAT to FILE (repeatable)
  --policy FILE          check: the policy file (default: built-in policy)
  --trivy-report FILE    check: use an existing Trivy JSON report for the vulnerabilities rule
  --grype-report FILE    check: use an existing Grype JSON report for the vulnerabilities rule
  --trivy-db-repository REPO  check: OCI repository of Trivy's database (e.g. a mirror)
  --grype-db-url URL     check: Grype's database listing URL (latest.json of a mirror)
  --cache-dir DIR        check: scanner databases (default ~/.cache/image-gate)
  --sign                 check: sign the gated digest after a pass (needs --key)
  --key FILE             sign: private key (cosign.key or P-256 PEM; password in
                         COSIGN_PASSWORD); verify: public key (cosign.pub)
  --no-legacy            sign: write sigstore bundle referrers only, no .sig/.att tags
  --keyless              sign: with a Fulcio certificate for the OIDC token in SIGSTORE_ID_TOKEN
                         (or GitHub Actions' id-token); bundles only; needs --trusted-root FILE;
                         --fulcio-url, --tsa-url (public-good by default), --tlog [--rekor-url]
  --recursive            sign: also sign the gated platform manifest of a multi-platform index
  --max-age DURATION     verify: refuse a verdict older than this (e.g. 7d), by its signed time
  --policy-digest D      verify: require a verdict for the policy with this sha256 digest
  --require-attestation  verify: require a signed PASSED verdict, not only a signature
  --output-prefix P      generate-key-pair: write P.key and P.pub (default cosign)
  --certificate-identity ID, --certificate-identity-regexp RE, --certificate-oidc-issuer URL,
  --certificate-github-workflow-repository OWNER/REPO, --trusted-root FILE
                         verify: accept keyless signatures of this identity (instead of --key)
  --platform OS/ARCH     platform to pick from a multi-platform image (default linux/amd64)
  --tls-verify=false     accept self-signed TLS certificates from registries
  --docker-config DIR    directory of docker's config.json for registry credentials
  --debug                print debug information on stderr
  -h, --help             show this help
  -v, --version          print the version
`;

const FORMATS = ['table', 'json', 'markdown', 'sarif'] as const;

/** Parses argv (without node and the script); throws GateError('usage') with the reason. */
export function parseCommandLine(argv: string[]): Command {
  // watch has its own options (see watch-args.ts).
  if (argv[0] === 'watch') return parseWatchCommand(argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string' },
        output: { type: 'string', multiple: true },
        policy: { type: 'string' },
        'trivy-report': { type: 'string' },
        'grype-report': { type: 'string' },
        'trivy-db-repository': { type: 'string' },
        'grype-db-url': { type: 'string' },
        'cache-dir': { type: 'string' },
        sign: { type: 'boolean' },
        key: { type: 'string' },
        'no-legacy': { type: 'boolean' },
        recursive: { type: 'boolean' },
        'max-age': { type: 'string' },
        'policy-digest': { type: 'string' },
        'require-attestation': { type: 'boolean' },
        'output-prefix': { type: 'string' },
        'certificate-identity': { type: 'string' },
        'certificate-identity-regexp': { type: 'string' },
        'certificate-oidc-issuer': { type: 'string' },
        'certificate-github-workflow-repository': { type: 'string' },
        'trusted-root': { type: 'string' },
        keyless: { type: 'boolean' },
        'fulcio-url': { type: 'string' },
        'tsa-url': { type: 'string' },
        'rekor-url': { type: 'string' },
        tlog: { type: 'boolean' },
        platform: { type: 'string' },
        'tls-verify': { type: 'string' },
        'docker-config': { type: 'string' },
        debug: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    throw new GateError(
      'usage',
      `${(err as Error).message.split('\n')[0]} (see image-gate --help)`,
    );
  }
  const { values: v, positionals } = parsed;
  if (v.version) return { command: 'version' };
  const [command, ...rest] = positionals;
  if (v.help || !command || command === 'help') return { command: 'help', text: USAGE };
  const common: CommonFlags = {
    tlsVerify: parseBool(v['tls-verify'] ?? 'true', '--tls-verify'),
    debug: v.debug ?? false,
    ...(v.platform ? { platform: v.platform } : {}),
    ...(v['docker-config'] ? { dockerConfigDir: v['docker-config'] } : {}),
  };
  switch (command) {
    case 'inspect': {
      const format = parseFormat(v.format ?? 'table', ['table', 'json']);
      return {
        command: 'inspect',
        image: oneImage(rest, 'inspect'),
        format: format as 'table' | 'json',
        common,
      };
    }
    case 'check':
    case 'sign':
      return {
        command: 'check',
        image: oneImage(rest, command),
        format: parseFormat(v.format ?? 'table', FORMATS),
        outputs: (v.output ?? []).map(parseOutput),
        ...(v.policy ? { policy: v.policy } : {}),
        ...(v['trivy-report'] ? { trivyReport: v['trivy-report'] } : {}),
        ...(v['grype-report'] ? { grypeReport: v['grype-report'] } : {}),
        ...scannerDb(v['trivy-db-repository'], v['grype-db-url'], v['cache-dir']),
        ...(v.sign || command === 'sign'
          ? { sign: signFlags(v, !v['no-legacy'], v.recursive ?? false) }
          : {}),
        common,
      };
    case 'verify': {
      const keyless = keylessFlags(v);
      if (!v.key === !keyless)
        throw new GateError(
          'usage',
          'verify needs --key FILE (the public key, e.g. cosign.pub), or keyless: --certificate-identity[-regexp], --certificate-oidc-issuer and --trusted-root (not both)',
        );
      return {
        command: 'verify',
        image: oneImage(rest, 'verify'),
        ...(v.key ? { key: v.key } : { keyless: keyless! }),
        requireAttestation: v['require-attestation'] ?? false,
        format: parseFormat(v.format ?? 'table', ['table', 'json']) as 'table' | 'json',
        ...(v['max-age'] ? { maxAge: v['max-age'] } : {}),
        ...(v['policy-digest'] ? { policyDigest: v['policy-digest'] } : {}),
        common,
      };
    }
    case 'generate-key-pair':
      if (rest.length > 0) throw new GateError('usage', 'generate-key-pair takes no arguments');
      return { command: 'generate-key-pair', prefix: v['output-prefix'] ?? 'cosign' };
    case 'merge':
      if (rest.length === 0) throw new GateError('usage', 'merge needs at least one report file');
      return { command: 'merge', reports: rest, format: parseFormat(v.format ?? 'table', FORMATS) };
    default:
      throw new GateError(
        'usage',
        `unknown command "${command}" (commands: inspect, check, sign, verify, generate-key-pair, merge)`,
      );
  }
}

/** The keyless identity flags (cosign's names); undefined when none is given. */
function keylessFlags(
  v: Record<string, string | boolean | string[] | undefined>,
): KeylessFlags | undefined {
  const get = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const identity = get('certificate-identity');
  const identityRegexp = get('certificate-identity-regexp');
  const issuer = get('certificate-oidc-issuer');
  const trustedRoot = get('trusted-root');
  const repo = get('certificate-github-workflow-repository');
  if (!identity && !identityRegexp && !issuer && !trustedRoot && !repo) return undefined;
  if (!identity === !identityRegexp)
    throw new GateError(
      'usage',
      'keyless verify needs one of --certificate-identity and --certificate-identity-regexp',
    );
  if (!issuer) throw new GateError('usage', 'keyless verify needs --certificate-oidc-issuer');
  if (!trustedRoot)
    throw new GateError(
      'usage',
      'keyless verify needs --trusted-root FILE (a sigstore trusted_root.json; verify works offline)',
    );
  return {
    trustedRoot,
    issuer,
    ...(identity ? { identity } : {}),
    ...(identityRegexp ? { identityRegexp } : {}),
    ...(repo ? { workflowRepository: repo } : {}),
  };
}

function signFlags(
  v: Record<string, string | boolean | string[] | undefined>,
  legacy: boolean,
  recursive: boolean,
): SignFlags {
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const key = str('key');
  if (!key === !v.keyless)
    throw new GateError('usage', 'signing needs --key FILE or --keyless (not both)');
  if (key) return { key, legacy, recursive };
  const trustedRootPath = str('trusted-root');
  if (!trustedRootPath)
    throw new GateError(
      'usage',
      '--keyless needs --trusted-root FILE (the sigstore trusted_root.json the signatures are read back against)',
    );
  // The public-good instance by default; the transparency log only when asked (--tlog).
  return {
    keyless: {
      fulcioURL: str('fulcio-url') ?? 'https://fulcio.sigstore.dev',
      tsaURL: str('tsa-url') ?? 'https://timestamp.sigstore.dev',
      ...(v.tlog ? { rekorURL: str('rekor-url') ?? 'https://rekor.sigstore.dev' } : {}),
      trustedRootPath,
    },
    legacy: false,
    recursive,
  };
}

function oneImage(rest: string[], command: string): string {
  if (rest.length !== 1)
    throw new GateError('usage', `${command} takes exactly one IMAGE (got ${rest.length})`);
  return rest[0]!;
}

function parseFormat(text: string, allowed: readonly string[]): ReportFormat {
  if (!allowed.includes(text)) {
    throw new GateError('usage', `unknown format "${text}" (one of: ${allowed.join(', ')})`);
  }
  return text as ReportFormat;
}

function parseOutput(text: string): { format: ReportFormat; file: string } {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) {
    throw new GateError(
      'usage',
      `--output takes FORMAT=FILE, e.g. sarif=image-gate.sarif (got "${text}")`,
    );
  }
  return { format: parseFormat(text.slice(0, eq), FORMATS), file: text.slice(eq + 1) };
}

function parseBool(text: string, flag: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new GateError('usage', `${flag} takes true or false (got "${text}")`);
}

/** `--trivy-db-repository`, `--grype-db-url`, `--cache-dir`, when any is given. */
function scannerDb(
  trivyRepository: string | undefined,
  grypeUpdateUrl: string | undefined,
  cacheDir: string | undefined,
): { scannerDb?: NonNullable<Extract<Command, { command: 'check' }>['scannerDb']> } {
  if (!trivyRepository && !grypeUpdateUrl && !cacheDir) return {};
  return {
    scannerDb: {
      ...(trivyRepository ? { trivyRepository } : {}),
      ...(grypeUpdateUrl ? { grypeUpdateUrl } : {}),
      ...(cacheDir ? { cacheDir } : {}),
    },
  };
}
