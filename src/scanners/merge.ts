import type { Cvss, Finding, ScanReport, ScannerName } from './finding.js';
import { unique } from './json.js';
import { compareFindings, maxSeverity } from './severity.js';

/*
 * De-duplication rule. Two findings are the same when they name the same package name, the same
 * installed version and the same *canonical id*:
 *
 *   - a CVE id is its own canonical id;
 *   - another id (GHSA-…, DLA-…, ALAS-…) is canonicalised to the CVE it is an alias of, when the
 *     findings being merged link it to exactly one CVE (Grype's relatedVulnerabilities, Trivy's
 *     VendorIDs); linked to none or several, it stays itself, so distinct CVEs never merge.
 *
 * Target, path and layer are not part of the key: the same package version at three paths is one
 * finding. The merged finding takes the highest severity (each scanner's own kept in
 * severityBySource), the union of fixed versions, aliases, CVSS and sources, and the topmost layer
 * among its instances: if any copy sits in the image's own layers, the finding is the image's own.
 */

export interface MergeOptions {
  /** The image's layer diff_ids, bottom first; picks the topmost layer of merged instances. */
  layerOrder?: string[];
}

/** One finding per (canonical id, package name, installed version) across all the reports. */
export function mergeReports(reports: ScanReport[], options: MergeOptions = {}): Finding[] {
  const layerOrder = options.layerOrder ?? reports.find((r) => r.layerDiffIds)?.layerDiffIds;
  return mergeFindings(
    reports.flatMap((r) => r.findings),
    { ...options, ...(layerOrder ? { layerOrder } : {}) },
  );
}

export function mergeFindings(findings: Finding[], options: MergeOptions = {}): Finding[] {
  const canonical = canonicalIds(findings);
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = [canonical(f), f.package.name, f.package.version].join('\u0000');
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.values()]
    .map((group) => combine(canonical(group[0]!), group, options.layerOrder ?? []))
    .sort(compareFindings);
}

/** Findings that only `scanner` reported: where the scanners disagree, for the report. */
export function foundOnlyBy(findings: Finding[], scanner: ScannerName): Finding[] {
  return findings.filter((f) => f.sources.length === 1 && f.sources[0] === scanner);
}

export function isCve(id: string): boolean {
  return /^CVE-\d{4}-\d+$/i.test(id);
}

/** A function from finding to canonical id, per the rule above. */
function canonicalIds(findings: Finding[]): (f: Finding) => string {
  const links = new Map<string, Set<string>>();
  for (const f of findings) {
    const ids = [f.id, ...f.aliases];
    const cves = unique(ids.filter(isCve));
    if (cves.length !== 1) continue;
    for (const other of ids.filter((id) => !isCve(id))) {
      links.set(other, (links.get(other) ?? new Set()).add(cves[0]!));
    }
  }
  return (f) => {
    if (isCve(f.id)) return f.id;
    const cves = links.get(f.id);
    return cves?.size === 1 ? [...cves][0]! : f.id;
  };
}

function combine(id: string, group: Finding[], layerOrder: string[]): Finding {
  const first = group[0]!;
  const title = group.find((f) => f.title)?.title;
  const layer = topmostLayer(group, layerOrder);
  return {
    id,
    aliases: unique(group.flatMap((f) => [f.id, ...f.aliases]))
      .filter((a) => a !== id)
      .sort(),
    package: Object.assign({}, ...[...group].reverse().map((f) => f.package), first.package),
    fixedVersions: unique(group.flatMap((f) => f.fixedVersions)),
    severity: maxSeverity(...group.map((f) => f.severity)),
    severityBySource: severityBySource(group),
    cvss: uniqueCvss(group.flatMap((f) => f.cvss)),
    ...(title !== undefined ? { title } : {}),
    ...(layer !== undefined ? { layerDiffId: layer } : {}),
    sources: (['trivy', 'grype'] as const).filter((s) => group.some((f) => f.sources.includes(s))),
  };
}

function severityBySource(group: Finding[]): Finding['severityBySource'] {
  const out: Finding['severityBySource'] = {};
  for (const f of group) {
    for (const [scanner, severity] of Object.entries(f.severityBySource) as [
      ScannerName,
      Finding['severity'],
    ][]) {
      out[scanner] = maxSeverity(severity, out[scanner] ?? 'unknown');
    }
  }
  return out;
}

/**
 * Unknown provenance must not hide a finding: a copy without a layer makes the merged finding's
 * layer unknown (gated as the image's own under `scope: own-layers`), and a layer missing from
 * `layerOrder` ranks topmost.
 */
function topmostLayer(group: Finding[], layerOrder: string[]): string | undefined {
  const rank = (l: string) => (layerOrder.includes(l) ? layerOrder.indexOf(l) : Infinity);
  if (group.some((f) => f.layerDiffId === undefined)) return undefined;
  const layers = group.map((f) => f.layerDiffId).filter((l): l is string => l !== undefined);
  if (layers.length === 0) return undefined;
  return layers.reduce((a, b) => (rank(b) > rank(a) ? b : a));
}

function uniqueCvss(all: Cvss[]): Cvss[] {
  const seen = new Map<string, Cvss>();
  for (const c of all) seen.set(JSON.stringify([c.source, c.version, c.vector, c.score]), c);
  return [...seen.values()];
}
