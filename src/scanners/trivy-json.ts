import { GateError } from '../errors.js';
import type { Cvss, Finding, ScannedOs, ScanReport } from './finding.js';
import {
  arr,
  defined,
  isObject,
  num,
  obj,
  present,
  splitVersions,
  str,
  strings,
  unique,
  versionOf,
} from './json.js';
import type { JsonObject } from './json.js';
import { toSeverity } from './severity.js';

/** Statuses that mean no fixed package will ship, whatever `FixedVersion` may say upstream. */
const NO_FIX_STATUSES = new Set([
  'affected',
  'will_not_fix',
  'fix_deferred',
  'end_of_life',
  'under_investigation',
  'unknown',
]);

/** Package types for OS results, whose `Type` is the distro rather than the package format. */
const OS_PACKAGE_TYPES: Record<string, string> = {
  alpine: 'apk',
  wolfi: 'apk',
  chainguard: 'apk',
  debian: 'deb',
  ubuntu: 'deb',
};

/**
 * Parses Trivy's JSON report (SchemaVersion 2). Returns one Finding per entry Trivy lists (one per
 * target, package and id); `mergeFindings` de-duplicates. Secrets, misconfigurations and licenses
 * are not vulnerabilities and are ignored here.
 */
export function parseTrivyJson(doc: JsonObject, source: string): ScanReport {
  if (doc.SchemaVersion !== 2) {
    throw new GateError(
      'report',
      `${source}: Trivy JSON SchemaVersion ${String(doc.SchemaVersion)} is not supported (only 2)`,
    );
  }
  const metadata = obj(doc.Metadata);
  const findings = arr(doc.Results).flatMap((result, r) =>
    arr(obj(result).Vulnerabilities).map((v, i) =>
      toFinding(v, obj(result), `${source}: Results[${r}].Vulnerabilities[${i}]`),
    ),
  );
  const diffIds = strings(metadata.DiffIDs);
  const results = arr(doc.Results).map(obj);
  const listed = results.filter((r) => Array.isArray(r.Packages));
  return {
    scanner: 'trivy',
    format: 'trivy-json',
    artifactName: str(doc.ArtifactName),
    imageIds: unique([str(metadata.ImageID), ...strings(metadata.RepoDigests)].filter(present)),
    ...(diffIds.length > 0 ? { layerDiffIds: diffIds } : {}),
    findings,
    scannerVersion: str(obj(doc.Trivy).Version),
    ...defined({
      os: scannedOs(obj(metadata.OS), results),
      packageCount: packageCount(results, listed),
    }),
  };
}

/**
 * Packages Trivy catalogued: the sum of its package lists (`--list-all-pkgs`, the default since
 * 0.6x). No result at all means Trivy found nothing to look at (it is what `--skip-dirs /etc`
 * gives); results without lists (older reports) leave the count unknown.
 */
function packageCount(results: JsonObject[], listed: JsonObject[]): number | undefined {
  if (results.length === 0) return 0;
  if (listed.length === 0) return undefined;
  return listed.reduce((n, r) => n + arr(r.Packages).length, 0);
}

/**
 * Trivy names the OS in `Metadata.OS` whenever it detects one, but adds an `os-pkgs` result only
 * when it can analyse it: without one, it logged "Unsupported os" and looked at nothing. `none`
 * is what Trivy writes when it found no OS at all.
 */
function scannedOs(os: JsonObject, results: JsonObject[]): ScannedOs | undefined {
  const family = str(os.Family);
  if (family === undefined || family === 'none') return undefined;
  return {
    name: [family, str(os.Name)].filter(present).join(' '),
    endOfLife: os.EOSL === true,
    analysed: results.some((r) => r.Class === 'os-pkgs'),
  };
}

function toFinding(value: unknown, result: JsonObject, where: string): Finding {
  if (!isObject(value)) throw new GateError('report', `${where} is not an object`);
  const id = str(value.VulnerabilityID);
  const name = str(value.PkgName);
  if (id === undefined || name === undefined) {
    throw new GateError('report', `${where} has no VulnerabilityID or PkgName`);
  }
  const severity = toSeverity(value.Severity);
  return {
    id,
    aliases: strings(value.VendorIDs).filter((a) => a !== id),
    package: {
      name,
      version: str(value.InstalledVersion) ?? '',
      ...defined({
        type: packageType(value, result),
        purl: str(obj(value.PkgIdentifier).PURL),
        path: str(value.PkgPath),
      }),
    },
    fixedVersions: fixedVersions(value),
    severity,
    severityBySource: { trivy: severity },
    cvss: cvss(value.CVSS),
    ...defined({ title: str(value.Title), layerDiffId: str(obj(value.Layer).DiffID) }),
    sources: ['trivy'],
  };
}

function fixedVersions(v: JsonObject): string[] {
  const status = str(v.Status);
  if (status !== undefined && NO_FIX_STATUSES.has(status)) return [];
  return splitVersions(str(v.FixedVersion));
}

function packageType(v: JsonObject, result: JsonObject): string | undefined {
  const purlType = /^pkg:([a-z0-9.+-]+)\//i.exec(str(obj(v.PkgIdentifier).PURL) ?? '')?.[1];
  const type = str(result.Type);
  if (result.Class === 'os-pkgs') return purlType ?? (type && (OS_PACKAGE_TYPES[type] ?? 'rpm'));
  return type ?? purlType;
}

/** Trivy's `CVSS` maps a source to V2/V3/V40 vectors and scores: one Cvss per version. */
function cvss(value: unknown): Cvss[] {
  const out: Cvss[] = [];
  for (const [source, raw] of Object.entries(obj(value))) {
    const c = obj(raw);
    for (const [version, key] of [
      ['2.0', 'V2'],
      ['3', 'V3'],
      ['4.0', 'V40'],
    ] as const) {
      const vector = str(c[`${key}Vector`]);
      const score = num(c[`${key}Score`]);
      if (vector === undefined && score === undefined) continue;
      out.push({ source, version: versionOf(vector) ?? version, ...defined({ vector, score }) });
    }
  }
  return out;
}
