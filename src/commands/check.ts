import { homedir } from 'node:os';
import { join } from 'node:path';
import { FilesystemAnalyzer } from '../analyze/filesystem.js';
import { SecretScanner } from '../analyze/secrets/index.js';
import { configSecrets, SecretsAnalyzer } from '../analyze/secrets-analyzer.js';
import { resolveBases } from '../gate/bases.js';
import { collectVulnerabilities, type VulnerabilityInput } from '../gate/vulnerabilities.js';
import { createLayoutSpool, type LayoutSpool } from '../image/layout-writer.js';
import { formatPlatform } from '../image/manifest.js';
import { openImage, type OpenOptions } from '../image/open.js';
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
import type { ImageOnDisk } from '../scanners/exec.js';
import type { ScannerName } from '../scanners/finding.js';
import type { CommandRunner } from '../scanners/runner.js';
import { findOnPath } from '../scanners/runner.js';
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
    const scanned = scannersToRun(policy, options);
    const onDisk = imageAlreadyOnDisk(options.image);
    if (scanned && !onDisk) spool = await createLayoutSpool(image);
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
    const baseResult = bases ? evaluateBaseImage(diffIds, await bases) : undefined;
    if (baseResult) results.push(baseResult);
    if (passwd) results.push(evaluateNonRoot(image.config.config?.User, passwd.passwd()));
    if (secrets && rules.secrets) {
      const found = [...secrets.findings(), ...configSecrets(image.config, diffIds, scanner)];
      results.push(
        evaluateSecrets(found, typeof rules.secrets === 'object' ? rules.secrets.allowPaths : []),
      );
    }
    const vulns = rules.vulnerabilities;
    if (vulns) {
      const input = await vulnerabilities(image, options, policy, onDisk, spool);
      const shared = baseResult?.status === 'pass' ? (baseResult.details.sharedLayers ?? 0) : 0;
      results.push(
        evaluateVulnerabilities({
          findings: input.findings,
          config: vulns,
          now,
          scanners: input.scanners,
          scannerErrors: input.errors,
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
  onDisk: ImageOnDisk | undefined,
  spool: LayoutSpool | undefined,
): Promise<VulnerabilityInput> {
  const rule = policy.policy.rules.vulnerabilities!;
  // The caller's max-db-age and timeout (the action's inputs) override the policy's; its
  // scanners apply when the policy names none.
  const scanners = scannersWanted(rule, options);
  const maxDbAge = options.maxDbAge ?? rule.maxDbAge;
  const timeoutMs = options.scannerTimeoutMs ?? (rule.timeout ? rule.timeout * 1000 : undefined);
  return collectVulnerabilities({
    image,
    reportFiles: {
      ...(options.trivyReport ? { trivy: options.trivyReport } : {}),
      ...(options.grypeReport ? { grype: options.grypeReport } : {}),
    },
    ...(scanners ? { scanners } : {}),
    imageOnDisk: async () => onDisk ?? { path: await spool!.finish(), kind: 'oci-dir' },
    cacheDir: options.cacheDir ?? defaultCacheDir(),
    ...(maxDbAge ? { maxDbAge } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(options.runner ? { runner: options.runner } : {}),
    log: options.log,
  });
}

/** The policy's scanners, else the caller's; undefined means every one found on PATH. */
function scannersWanted(
  rule: NonNullable<LoadedPolicy['policy']['rules']['vulnerabilities']>,
  options: CheckOptions,
): ScannerName[] | undefined {
  return rule.scanners ?? (options.scanners?.length ? options.scanners : undefined);
}

/** Scanner databases live here between runs; the action caches this directory. */
export function defaultCacheDir(): string {
  return join(homedir(), '.cache', 'image-gate');
}

/** Whether scanners will run: the rule is on, no reports were given, and a scanner is there. */
function scannersToRun(policy: LoadedPolicy, options: CheckOptions): boolean {
  const rule = policy.policy.rules.vulnerabilities;
  if (!rule || options.trivyReport || options.grypeReport) return false;
  return (scannersWanted(rule, options) ?? ['trivy', 'grype']).some(
    (s) => findOnPath(s) !== undefined,
  );
}

/** Layouts and archives are already files the scanners can read: no need to write a copy. */
function imageAlreadyOnDisk(reference: string): ImageOnDisk | undefined {
  const ref = parseReference(reference);
  if (ref.transport === 'oci' && !ref.ref) return { path: ref.path, kind: 'oci-dir' };
  if (ref.transport === 'docker-archive' && !ref.ref)
    return { path: ref.path, kind: 'docker-archive' };
  return undefined;
}
