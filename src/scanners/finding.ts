/** Severities in image-gate's vocabulary, highest first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type ScannerName = 'trivy' | 'grype';

/** A vulnerable package, as the scanners describe it. */
export interface PackageRef {
  name: string;
  version: string;
  /** Ecosystem or package type: `apk`, `deb`, `rpm`, `npm`, `gemspec`, `jar`, `gomod`, ... */
  type?: string;
  purl?: string;
  /** File path of the package or lock file in the image, when the scanner records it. */
  path?: string;
}

export interface Cvss {
  source: string;
  version?: string;
  vector?: string;
  score?: number;
}

/**
 * One vulnerability in one installed package version. After merging there is exactly one
 * Finding per (id, package name, installed version) across scanners and targets.
 */
export interface Finding {
  /** Primary id: the CVE when one is known, otherwise the scanner's id (GHSA-…, ALAS-…). */
  id: string;
  /** Other ids of the same advisory (CVE ↔ GHSA, vendor ids), without `id` itself. */
  aliases: string[];
  package: PackageRef;
  /** Versions that fix it; empty when no fix is known. */
  fixedVersions: string[];
  /** The severity gated on: the highest of the scanners' severities. */
  severity: Severity;
  /** Each scanner's own severity, so disagreements can be shown. */
  severityBySource: Partial<Record<ScannerName, Severity>>;
  cvss: Cvss[];
  title?: string;
  /** The uncompressed layer digest the package came from, when the scanner records it. */
  layerDiffId?: string;
  /** Which scanners reported it. */
  sources: ScannerName[];
}

/** One parsed report: the findings and what the report says it scanned. */
export interface ScanReport {
  scanner: ScannerName;
  format: 'trivy-json' | 'grype-json' | 'trivy-sarif' | 'grype-sarif';
  /** The artifact the report describes, as the scanner names it (image name or path). */
  artifactName?: string;
  /** Image identity the report records (repo digests, image id / config digest), when present. */
  imageIds: string[];
  /**
   * The image's layer diff_ids, bottom first, when the report records them. Kept apart from
   * `imageIds` because images that share a base share these: they order layers, not identify.
   */
  layerDiffIds?: string[];
  findings: Finding[];
  scannerVersion?: string;
  /** The vulnerability database's build time, when the report records it. */
  dbUpdatedAt?: string;
  /** The operating system the scanner detected, when it detected one. */
  os?: ScannedOs;
  /** How many packages the scanner catalogued, when its report lists them (Trivy `Packages`). */
  packageCount?: number;
}

export interface ScannedOs {
  /** As the scanner names it: `debian 10.1`, `alpine 3.9.4`. */
  name: string;
  /** The scanner says the OS is past its end of life: its advisories are incomplete. */
  endOfLife: boolean;
  /** False when the scanner detected the OS but has no data for it (Trivy "unsupported os"). */
  analysed: boolean;
}
