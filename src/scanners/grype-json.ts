import { GateError } from '../errors.js';
import type { Cvss, Finding, ScannedOs, ScanReport, Severity } from './finding.js';
import type { JsonObject } from './json.js';
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
import { maxSeverity, toSeverity } from './severity.js';

/** Fix states that mean there is no fixed version to move to. */
const NO_FIX_STATES = new Set(['not-fixed', 'wont-fix', 'unknown']);

/**
 * Parses Grype's JSON report: the current schema (`fix`, `relatedVulnerabilities`, `descriptor.db`)
 * and the 0.7-era one (`fixedInVersion`, `cvssV2`/`cvssV3`, `matchDetails` as an object). Returns one
 * Finding per match; `mergeFindings` de-duplicates. `ignoredMatches` are left out on purpose: grype
 * was told to ignore them, and the gate's own waivers are applied later.
 */
export function parseGrypeJson(doc: JsonObject, source: string): ScanReport {
  const target = obj(doc.source).target;
  const image = obj(target);
  const diffIds = arr(image.layers)
    .map((l) => str(obj(l).digest))
    .filter(present);
  const findings = arr(doc.matches).map((m, i) =>
    toFinding(m, diffIds, `${source}: matches[${i}]`),
  );
  const descriptor = obj(doc.descriptor);
  const db = obj(descriptor.db);
  return {
    scanner: 'grype',
    format: 'grype-json',
    artifactName: artifactName(target),
    imageIds: unique(
      [str(image.imageID), str(image.manifestDigest), ...strings(image.repoDigests)].filter(
        present,
      ),
    ),
    ...(diffIds.length > 0 ? { layerDiffIds: diffIds } : {}),
    findings,
    ...defined({
      scannerVersion: str(descriptor.version),
      // Schema v5 DBs put `built` on `db`; v6 moved it to `db.status`.
      dbUpdatedAt: str(db.built) ?? str(obj(db.status).built),
      os: scannedOs(doc),
    }),
  };
}

/**
 * Grype names the distro in `distro` and, since 0.9x, flags the packages of an end-of-life
 * distro with a `distro-eol` alert. It does not say when it has no data for a distro.
 */
function scannedOs(doc: JsonObject): ScannedOs | undefined {
  const distro = obj(doc.distro);
  const name = [str(distro.name), str(distro.version)].filter(present).join(' ');
  if (name === '') return undefined;
  const eol = arr(doc.alertsByPackage).some((p) =>
    arr(obj(p).alerts).some((a) => obj(a).type === 'distro-eol'),
  );
  return { name, endOfLife: eol, analysed: true };
}

/** Image input as typed, or the directory path, which grype 0.24 wrote with its quotes. */
function artifactName(target: unknown): string | undefined {
  if (typeof target === 'string') return str(target.replace(/^"(.*)"$/, '$1'));
  return str(obj(target).userInput);
}

function toFinding(match: unknown, diffIds: string[], where: string): Finding {
  if (!isObject(match)) throw new GateError('report', `${where} is not an object`);
  const vuln = obj(match.vulnerability);
  const artifact = obj(match.artifact);
  const id = str(vuln.id);
  const name = str(artifact.name);
  if (id === undefined || name === undefined) {
    throw new GateError('report', `${where} has no vulnerability.id or artifact.name`);
  }
  const related = arr(match.relatedVulnerabilities).map(obj);
  const severity = matchSeverity(vuln, related);
  const locations = arr(artifact.locations).map(obj);
  return {
    id,
    aliases: unique(related.map((r) => str(r.id)).filter(present)).filter((a) => a !== id),
    package: {
      name,
      version: str(artifact.version) ?? '',
      ...defined({
        type: str(artifact.type),
        purl: str(artifact.purl),
        path: str(locations[0]?.path) ?? str(locations[0]?.accessPath),
      }),
    },
    fixedVersions: fixedVersions(vuln),
    severity,
    severityBySource: { grype: severity },
    cvss: [vuln, ...related].flatMap(cvss),
    ...defined({ layerDiffId: originLayer(locations, diffIds) }),
    sources: ['grype'],
  };
}

/**
 * Grype omits `severity` when its record has none (a CVE matched through NVD before NVD scored
 * it). The related records (the GHSA behind it) often do have one: take the highest, so a missing
 * word never lowers the gate.
 */
function matchSeverity(vuln: JsonObject, related: JsonObject[]): Severity {
  if (str(vuln.severity) !== undefined) return toSeverity(vuln.severity);
  return maxSeverity(...related.map((r) => toSeverity(r.severity)));
}

function fixedVersions(vuln: JsonObject): string[] {
  if (!('fix' in vuln)) return splitVersions(str(vuln.fixedInVersion)); // 0.7-era schema
  const fix = obj(vuln.fix);
  if (NO_FIX_STATES.has(str(fix.state) ?? '')) return [];
  return unique(strings(fix.versions).flatMap((v) => splitVersions(v)));
}

function cvss(record: JsonObject): Cvss[] {
  const source = str(record.namespace) ?? 'grype';
  const current = arr(record.cvss).map((raw) => {
    const c = obj(raw);
    const vector = str(c.vector);
    return {
      source: str(c.source) ?? source,
      ...defined({
        version: str(c.version) ?? versionOf(vector),
        vector,
        score: num(obj(c.metrics).baseScore),
      }),
    };
  });
  // The 0.7-era schema has one object per CVSS version instead of a list.
  const old = (['cvssV2', 'cvssV3'] as const)
    .filter((key) => isObject(record[key]))
    .map((key) => {
      const c = obj(record[key]);
      const vector = str(c.vector);
      const version = versionOf(vector) ?? (key === 'cvssV2' ? '2.0' : '3');
      return { source, version, ...defined({ vector, score: num(c.baseScore) }) };
    });
  return [...current, ...old];
}

/**
 * The layer the package came from. A package has several locations (its files, and the package
 * database that every later install rewrites), so the lowest layer among them is where it first
 * appeared. Without the image's layer order, the first location's layer is all we know.
 */
function originLayer(locations: JsonObject[], diffIds: string[]): string | undefined {
  const layers = locations.map((l) => str(l.layerID)).filter(present);
  if (layers.length === 0) return undefined;
  const known = layers.filter((l) => diffIds.includes(l));
  if (known.length === 0) return layers[0];
  return known.reduce((a, b) => (diffIds.indexOf(b) < diffIds.indexOf(a) ? b : a));
}
