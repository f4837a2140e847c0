import {
  SEVERITIES,
  type Finding,
  type ScannerName,
  type Severity,
} from '../../scanners/finding.js';
import type { Policy, Waiver } from '../types.js';
import type { RuleResult, ScannerTool, VulnerabilityDetails, WaivedFinding } from '../verdict.js';
import { plural } from './text.js';

export type VulnerabilityConfig = NonNullable<Policy['rules']['vulnerabilities']>;
export type VulnerabilitiesResult = RuleResult & { rule: 'vulnerabilities' };

export interface VulnerabilityInput {
  /** Merged findings: one per (id, package, installed version) across scanners. */
  findings: Finding[];
  config: VulnerabilityConfig;
  /** When the check runs; waiver expiry is judged on its UTC date. */
  now: Date;
  /** The scanners that ran (whether or not they succeeded). */
  scanners: string[];
  /** Any entry makes the rule an error: a scan that failed proves nothing. */
  scannerErrors: { scanner: string; message: string }[];
  /** For `scope: own-layers`: the diffIDs of the matched base's layers. */
  baseLayerDiffIds?: ReadonlySet<string> | readonly string[];
  /** How the findings were obtained, for the verdict (see VulnerabilityDetails.notes). */
  notes?: string[];
  /** Scanner and database versions, for the verdict (and the signed VSA). */
  tools?: ScannerTool[];
}

/** A waiver is flagged when its last day is at most this many days away. */
export const EXPIRING_SOON_DAYS = 14;

const DAY_MS = 86_400_000;

/**
 * Severity order for gating, highest first: critical, high, medium, low, negligible, unknown
 * (SEVERITIES' order). A finding fails when it ranks at or above the threshold, so `low` passes
 * negligible and unknown findings, and `unknown` fails on everything. Unknown ranks last
 * because scanners use it for "no score yet", mostly on minor advisories; a policy that wants
 * those to fail says `severity: unknown`.
 */
export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(threshold);
}

/**
 * Order of the steps: scope (base layers are someone else's), then `ignore-unfixed`, then the
 * threshold, then waivers. Waivers therefore only list findings that would otherwise fail.
 */
export function evaluateVulnerabilities(input: VulnerabilityInput): VulnerabilitiesResult {
  const { findings, config, now, scanners, scannerErrors } = input;
  const today = utcDay(now);
  const expiredWaivers = config.ignore.filter((w) => dayOf(w.expires) < today).map(copyWaiver);
  const activeWaivers = config.ignore.filter((w) => dayOf(w.expires) >= today);

  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) counts[f.severity]++;

  const notes: string[] = [];
  let inScope = findings;
  let scopeError: string | undefined;
  if (config.scope === 'own-layers') {
    if (input.baseLayerDiffIds === undefined) {
      scopeError = 'scope own-layers needs the base image layers, and none were given';
    } else {
      const base = new Set(input.baseLayerDiffIds);
      const inBase = findings.filter((f) => f.layerDiffId !== undefined && base.has(f.layerDiffId));
      // Without a layer the finding could be in our own layers: gate it (fail closed).
      const unplaced = findings.filter((f) => f.layerDiffId === undefined).length;
      inScope = findings.filter((f) => !(f.layerDiffId !== undefined && base.has(f.layerDiffId)));
      if (inBase.length > 0) notes.push(`${inBase.length} in base layers not gated`);
      if (unplaced > 0) notes.push(`${unplaced} without layer information gated`);
    }
  }
  let considered = inScope;
  if (config.ignoreUnfixed) {
    considered = inScope.filter((f) => f.fixedVersions.length > 0);
    const unfixed = inScope.length - considered.length;
    if (unfixed > 0) notes.push(`${unfixed} unfixed ignored`);
  }
  const overThreshold = considered.filter((f) => atOrAbove(f.severity, config.severity));

  const failing: Finding[] = [];
  const waived: WaivedFinding[] = [];
  for (const f of overThreshold) {
    const waiver = activeWaivers.find((w) => waiverMatches(w, f));
    if (!waiver) {
      failing.push(f);
      continue;
    }
    const daysLeft = (dayOf(waiver.expires) - today) / DAY_MS;
    waived.push({
      finding: f,
      waiver: copyWaiver(waiver),
      expiringSoon: daysLeft <= EXPIRING_SOON_DAYS,
    });
  }
  failing.sort(byGravity);
  waived.sort((a, b) => byGravity(a.finding, b.finding));

  const details: VulnerabilityDetails = {
    threshold: config.severity,
    scope: config.scope,
    counts,
    failing,
    waived,
    expiredWaivers,
    onlyIn: onlyIn(findings, scanners),
    scanners: [...scanners],
    ...(input.notes?.length ? { notes: [...input.notes] } : {}),
    ...(input.tools?.length ? { tools: input.tools.map((t) => ({ ...t })) } : {}),
  };
  if (waived.length > 0) notes.push(`${waived.length} waived`);
  const soon = waived.filter((w) => w.expiringSoon).length;
  if (soon > 0) notes.push(`${plural(soon, 'waiver')} expiring within ${EXPIRING_SOON_DAYS} days`);
  if (expiredWaivers.length > 0) notes.push(plural(expiredWaivers.length, 'expired waiver'));
  notes.push(...(input.notes ?? []));
  const tail = notes.length > 0 ? ` (${notes.join('; ')})` : '';
  const base = { rule: 'vulnerabilities' as const, findings, details };

  const errors = [
    ...scannerErrors.map((e) => `${e.scanner}: ${e.message}`),
    ...(scanners.length === 0 && scannerErrors.length === 0 ? ['no scanner ran'] : []),
    ...(scopeError !== undefined ? [scopeError] : []),
  ];
  if (errors.length > 0) {
    return {
      ...base,
      status: 'error',
      summary: `cannot judge vulnerabilities: ${errors.join('; ')}`,
      error: errors.join('; '),
    };
  }
  if (failing.length > 0) {
    const bySeverity = SEVERITIES.map(
      (s) => [s, failing.filter((f) => f.severity === s).length] as const,
    )
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`);
    return {
      ...base,
      status: 'fail',
      summary: `${plural(failing.length, 'vulnerability', 'vulnerabilities')} at or above ${config.severity}: ${bySeverity.join(', ')}${tail}`,
    };
  }
  // Passing only thanks to a waiver about to lapse: warn now rather than fail in a fortnight.
  return {
    ...base,
    status: soon > 0 ? 'warn' : 'pass',
    summary: `no vulnerabilities at or above ${config.severity}${findings.length > 0 ? `, ${findings.length} in all` : ''}${tail}`,
  };
}

/** By id or any alias (ids are compared case-insensitively), and by package name when given. */
function waiverMatches(w: Waiver, f: Finding): boolean {
  const id = w.id.toUpperCase();
  if (f.id.toUpperCase() !== id && !f.aliases.some((a) => a.toUpperCase() === id)) return false;
  return w.package === undefined || w.package === f.package.name;
}

function copyWaiver(w: Waiver): WaivedFinding['waiver'] {
  return {
    id: w.id,
    ...(w.package !== undefined ? { package: w.package } : {}),
    reason: w.reason,
    expires: w.expires,
  };
}

/** Midnight UTC of the day `date` falls on, in ms. */
function utcDay(date: Date): number {
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
}

/** `YYYY-MM-DD` (validated by the schema) as midnight UTC, in ms. */
function dayOf(iso: string): number {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d);
}

/** Findings one scanner reported and another that ran did not; only meaningful with two. */
function onlyIn(findings: Finding[], scanners: string[]): VulnerabilityDetails['onlyIn'] {
  const ran = (['trivy', 'grype'] as const).filter((s) => scanners.includes(s));
  if (ran.length < 2) return {};
  const out: Partial<Record<ScannerName, number>> = {};
  for (const s of ran) {
    out[s] = findings.filter((f) => f.sources.length === 1 && f.sources[0] === s).length;
  }
  return out;
}

/** Most severe first, then by id, package and version: a stable order for signed verdicts. */
function byGravity(a: Finding, b: Finding): number {
  return (
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    cmp(a.id, b.id) ||
    cmp(a.package.name, b.package.name) ||
    cmp(a.package.version, b.package.version)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
