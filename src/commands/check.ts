import { homedir } from 'node:os';
import { join } from 'node:path';
import { FilesystemAnalyzer } from '../analyze/filesystem.js';
import { SecretScanner } from '../analyze/secrets/index.js';
import { configSecrets, SecretsAnalyzer } from '../analyze/secrets-analyzer.js';
import { resolveBases } from '../gate/bases.js';
import { requireBaseSignature } from '../gate/base-signature.js';
import { collectVulnerabilities, type VulnerabilityInput } from '../gate/vulnerabilities.js';
import { createLayoutSpool, type LayoutSpool } from '../image/layout-writer.js';
import { formatPlatform } from '../image/manifest.js';
import { openImage, type OpenOptions } from '../image/open.js';
import { readRegular } from '../image/sources/regular-file.js';
import { parseReference } from '../image/reference.js';
import type { Image } from '../image/types.js';
import { type Progress, walkImage } from '../layers/walk.js';
import type { Logger } from '../log.js';
import { buildVerdict } from '../policy/decide.js';
import { loadPolicy } from '../policy/load.js';
import { evaluateBaseImage } from '../policy/rules/base-image.js';
import { evaluateNonRoot } from '../policy/rules/non-root.js';
import { evaluateSecrets } from '../policy/rules/secrets.js';
import { evaluateVulnerabilities } from '../policy/rules/vulnerabilities.js';
import type { LoadedPolicy } from '../policy/types.js';
import type { RuleResult, Verdict } from '../policy/verdict.js';
import type { DbSource, ImageOnDisk } from '../scanners/exec.js';
import type { ScannerName } from '../scanners/finding.js';
import { locateScanners, planScans, type Located, type ScanPlan } from '../scanners/plan.js';
import { actionsExecRunner, type CommandRunner } from '../scanners/runner.js';
import { VERSION } from '../version.js';

/** Everything `image-gate check` needs; the CLI and the action each build one. */
export interface CheckOptions extends OpenOptions {
  /** Image reference in skopeo's transport syntax. */
  image: string;
  /** Policy file; undefined means the built-in default policy. */
  policyPath?: string;
  trivyReport?: string;
  grypeReport?: string;
  /** Where scanner databases are kept between runs (default `~/.cache/image-gate`). */
  cacheDir?: string;
  /** Scanners to run when the policy names none (default: each one on PATH). */
  scanners?: ScannerName[];
  /** Overrides the policy's `max-db-age` (e.g. `24h`). */
  maxDbAge?: string;
  /** Overrides the policy's scanner `timeout`. */
  scannerTimeoutMs?: number;
  /** Runs the scanners; tests pass stand-ins. */
  runner?: CommandRunner;
  /** Where the scanners download their databases (`--trivy-db-repository`, `--grype-db-url`). */
  dbSource?: DbSource;
  /** Scanner executables to use instead of the ones on PATH. */
  executables?: Partial<Record<ScannerName, string>>;
  /** The checked-out repository, whose scanner config files are ignored (default: cwd). */
  workspace?: string;
  progress?: Progress;
  log: Logger;
  now?: Date;
}

/** Reads the image once, runs every rule of the policy on that pass and returns the verdict. */
export async function check(options: CheckOptions): Promise<Verdict> {
  const policy = await loadPolicy(options.policyPath);
  const image = await openImage(options.image, options);
  const now = options.now ?? new Date();
  let spool: LayoutSpool | undefined;
  try {
    const rules = policy.policy.rules;
    const plan = planFor(policy, options);
    const located =
      plan.mode === 'run'
        ? await locateScanners(plan, runnerOf(options), options.executables)
        : undefined;
    const onDisk = located ? await imageAlreadyOnDisk(options.image, image) : undefined;
    if (located && located.found.length > 0 && !onDisk) spool = await createLayoutSpool(image);
    const bases = rules['base-image']
      ? resolveBases(rules['base-image'].allowed, image.platform, options)
      : undefined;
    const passwd = rules['non-root'] ? new FilesystemAnalyzer() : undefined;
    const scanner = new SecretScanner();
    const secrets = rules.secrets ? new SecretsAnalyzer(scanner) : undefined;
    await walkImage(
      image,
      [passwd, secrets].filter((a): a is NonNullable<typeof a> => a !== undefined),
      {
        ...(options.progress ? { progress: options.progress } : {}),
        ...(spool ? { blobSink: spool.sink } : {}),
      },
    );

    const results: RuleResult[] = [];
    const diffIds = image.config.rootfs.diff_ids;
    const signed = rules['base-image']?.requireSignature;
    const compared = bases ? evaluateBaseImage(diffIds, await bases) : undefined;
    const baseResult =
      compared && signed
        ? await requireBaseSignature(
            compared,
            signed,
            policy.builtIn ? undefined : policy.source,
            options,
          )
        : compared;
    if (baseResult) results.push(baseResult);
    if (passwd) results.push(evaluateNonRoot(image.config.config?.User, passwd.accounts()));
    if (secrets && rules.secrets) {
      const found = [...secrets.findings(), ...configSecrets(image.config, diffIds, scanner)];
      results.push(
        evaluateSecrets(
          found,
          typeof rules.secrets === 'object' ? rules.secrets.allowPaths : [],
          typeof rules.secrets === 'object' ? rules.secrets : {},
        ),
      );
    }
    const vulns = rules.vulnerabilities;
    if (vulns) {
      const input = await vulnerabilities(image, options, policy, plan, located, onDisk, spool);
      const shared = baseResult?.status === 'pass' ? (baseResult.details.sharedLayers ?? 0) : 0;
      results.push(
        evaluateVulnerabilities({
          findings: input.findings,
          config: vulns,
          now,
          scanners: input.scanners,
          scannerErrors: input.errors,
          notes: input.notes,
          tools: input.tools,
          ...(baseResult?.status === 'pass' ? { baseLayerDiffIds: diffIds.slice(0, shared) } : {}),
        }),
      );
    }
    return buildVerdict({
      image: {
        reference: image.reference,
        digest: image.manifestDigest,
        configDigest: image.configDigest,
        platform: formatPlatform(image.platform),
      },
      policy,
      results,
      toolVersion: VERSION,
      checkedAt: now,
    });
  } finally {
    await image.close();
    await spool?.remove();
  }
}

function vulnerabilities(
  image: Image,
  options: CheckOptions,
  policy: LoadedPolicy,
  plan: ScanPlan,
  located: Located | undefined,
  onDisk: ImageOnDisk | undefined,
  spool: LayoutSpool | undefined,
): Promise<VulnerabilityInput> {
  const rule = policy.policy.rules.vulnerabilities!;
  // The caller's max-db-age and timeout (the action's inputs) override the policy's.
  const maxDbAge = options.maxDbAge ?? rule.maxDbAge;
  const timeoutMs = options.scannerTimeoutMs ?? (rule.timeout ? rule.timeout * 1000 : undefined);
  const platform = formatPlatform(image.platform);
  return collectVulnerabilities({
    image,
    plan:
      plan.mode === 'reports'
        ? plan
        : { mode: 'run', located: located ?? { found: [], errors: [] } },
    imageOnDisk: async () =>
      onDisk ?? {
        path: await spool!.finish(),
        kind: 'oci-dir',
        platform,
        manifestDigest: image.manifestDigest,
      },
    cacheDir: options.cacheDir ?? defaultCacheDir(),
    ...(maxDbAge ? { maxDbAge } : {}),
    acceptUnknownDbAge: rule.acceptUnknownDbAge,
    failOnNoPackages: rule.failOnNoPackages,
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(options.dbSource ? { db: options.dbSource } : {}),
    runner: runnerOf(options),
    workspace: options.workspace ?? process.cwd(),
    log: options.log,
    ...(options.now ? { now: options.now } : {}),
  });
}

/** Reports to read or scanners to run: planScans decides, from the policy and the caller. */
function planFor(policy: LoadedPolicy, options: CheckOptions): ScanPlan {
  return planScans({
    rule: policy.policy.rules.vulnerabilities,
    reports: { trivy: options.trivyReport, grype: options.grypeReport },
    ...(options.scanners ? { requested: options.scanners } : {}),
  });
}

/** Scanner databases live here between runs; the action caches this directory. */
export function defaultCacheDir(): string {
  return join(homedir(), '.cache', 'image-gate');
}

function runnerOf(options: CheckOptions): CommandRunner {
  return options.runner ?? actionsExecRunner;
}

/**
 * Layouts and archives are already files the scanners can read: no need to write a copy. An OCI
 * layout is handed over in place only when its index.json lists the checked manifest itself
 * (Trivy can then be pointed at it with `@digest`); nested indexes get a one-image copy.
 */
async function imageAlreadyOnDisk(
  reference: string,
  image: Image,
): Promise<ImageOnDisk | undefined> {
  const ref = parseReference(reference);
  const common = { platform: formatPlatform(image.platform), manifestDigest: image.manifestDigest };
  if (ref.transport === 'docker-archive' && !ref.ref) {
    return { path: ref.path, kind: 'docker-archive', ...common };
  }
  if (ref.transport === 'oci' && !ref.ref && (await indexLists(ref.path, image.manifestDigest))) {
    return { path: ref.path, kind: 'oci-dir', ...common };
  }
  return undefined;
}

/** Whether the layout's index.json names `digest` at its top level (bounded read). */
async function indexLists(dir: string, digest: string): Promise<boolean> {
  try {
    const text = await readRegular(join(dir, 'index.json'), 'index.json', 4 * 1024 * 1024);
    const index = JSON.parse(text.toString('utf8')) as { manifests?: { digest?: unknown }[] };
    return (index.manifests ?? []).some((m) => m.digest === digest);
  } catch {
    return false;
  }
}
