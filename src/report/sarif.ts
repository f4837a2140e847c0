import { safeDeep } from '../redact.js';
import { createHash } from 'node:crypto';
import type { SecretFinding } from '../analyze/types.js';
import type { RuleResult, Verdict, VerdictImage } from '../policy/verdict.js';
import type { Finding, Severity } from '../scanners/finding.js';
import {
  findingKey,
  fixedText,
  packageText,
  scannerRank,
  showControl,
  sortFindings,
} from './format.js';
import { VERSION } from '../version.js';
import { stringify } from './json.js';
import { escapeMarkdown, safeUrl } from './markdown-escape.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
/** Shown by code scanning as the tool's home page. Replace once the repository URL is final. */
export const DEFAULT_INFORMATION_URI = 'https://github.com/image-gate/image-gate';

export interface SarifOptions {
  /** Repository path of the Dockerfile the alerts point at (default `Dockerfile`). */
  dockerfile?: string;
  /** Code scanning category, needed when several SARIF files are uploaded for one commit. */
  category?: string;
  informationUri?: string;
  /** Tool version; defaults to the verdict's `tool.version`. */
  toolVersion?: string;
}

type Level = 'error' | 'warning';

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri?: string;
  defaultConfiguration: { level: Level };
  properties: { 'security-severity'?: string; tags: string[]; precision: string };
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: Level;
  message: { text: string };
  locations: unknown[];
  partialFingerprints: Record<string, string>;
  properties: Record<string, unknown>;
}

/** GitHub's documented mapping from a severity to its numeric `security-severity`. */
const SECURITY_SEVERITY: Partial<Record<Severity, string>> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '2.0',
};

/** What a result is about: the image it was found in (absent for a bare `merge`). */
export interface ResultContext {
  image?: VerdictImage;
  level: Level;
}

interface ResultEntry {
  ruleId: string;
  /** Builds the rule descriptor the first time `ruleId` is used. */
  rule: () => SarifRule;
  ctx: ResultContext;
  text: string;
  /** Where in the image, for the location's message. */
  where?: string;
  /** What makes this result distinct within its rule and image, for the fingerprint. */
  identity: string;
  properties: Record<string, unknown>;
}

/**
 * Rules and results for one SARIF run. Rules are added once, in order of first use, so that
 * `ruleIndex` is stable for the same input.
 */
export class SarifRun {
  private readonly rules: SarifRule[] = [];
  private readonly index = new Map<string, number>();
  private readonly results: SarifResult[] = [];

  constructor(private readonly options: SarifOptions) {}

  private ruleIndex(make: () => SarifRule, id: string): number {
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.rules.push(make()) - 1;
      this.index.set(id, i);
    }
    return i;
  }

  /**
   * One result. Code scanning needs a physical file location; an image has none, so the alert
   * points at line 1 of the Dockerfile and the in-image location goes in the message and
   * properties.
   */
  add(entry: ResultEntry): void {
    const { rule, ruleId, ctx, text, where, identity, properties } = entry;
    const ruleIndex = this.ruleIndex(rule, ruleId);
    const image = ctx.image
      ? { image: ctx.image.reference, imageDigest: ctx.image.digest, platform: ctx.image.platform }
      : {};
    const location: Record<string, unknown> = {
      physicalLocation: {
        artifactLocation: { uri: dockerfileUri(this.options.dockerfile) },
        region: { startLine: 1 },
      },
    };
    if (where) location.message = { text: showControl(where) };
    this.results.push({
      ruleId,
      ruleIndex,
      level: ctx.level,
      message: { text: showControl(text) + (ctx.image ? ` (image ${ctx.image.reference})` : '') },
      locations: [location],
      partialFingerprints: { 'imageGate/v1': fingerprint(ruleId, ctx.image?.reference, identity) },
      properties: { ...image, ...properties },
    });
  }

  render(version: string): string {
    const driver = {
      name: 'image-gate',
      informationUri: this.options.informationUri ?? DEFAULT_INFORMATION_URI,
      version: this.options.toolVersion ?? version,
      rules: this.rules,
    };
    const run: Record<string, unknown> = { tool: { driver }, results: this.results };
    if (this.options.category) run.automationDetails = { id: `${this.options.category}/` };
    return stringify({ $schema: SARIF_SCHEMA, version: '2.1.0', runs: [run] });
  }
}

/** Repository-relative, forward slashes, URI-encoded: what code scanning matches files by. */
function dockerfileUri(path: string | undefined): string {
  const clean = (path ?? 'Dockerfile').replace(/\\/g, '/').replace(/^(\.\/)+/, '');
  return encodeURI(clean || 'Dockerfile');
}

/**
 * The image without tag or digest: both change on every build, and a fingerprint that changed
 * with them would close and reopen every alert on each push.
 */
export function imageName(reference: string): string {
  const noDigest = reference.replace(/@sha256:[0-9a-f]+$/i, '');
  const layout = /^(docker-archive|oci|oci-archive):([^:]*)/.exec(noDigest);
  if (layout) return layout[0];
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const transport = /^[a-z-]+:/.exec(noDigest)?.[0].length ?? 0;
  return colon > slash && colon >= transport ? noDigest.slice(0, colon) : noDigest;
}

/** A stable hash of rule + image name + what the finding is about (path, package). */
function fingerprint(ruleId: string, reference: string | undefined, identity: string): string {
  const name = reference ? imageName(reference) : '';
  return createHash('sha256')
    .update(`${ruleId}\u0000${name}\u0000${identity}`)
    .digest('hex')
    .slice(0, 32);
}

function helpUri(id: string): string | undefined {
  if (/^CVE-\d+-\d+$/i.test(id)) return `https://nvd.nist.gov/vuln/detail/${id.toUpperCase()}`;
  if (/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/i.test(id))
    return `https://github.com/advisories/${id}`;
  return undefined;
}

/**
 * The rule is the advisory; each result names its package. So the rule text says nothing about
 * one package, which would be wrong for the others the same advisory affects.
 */
function vulnerabilityRule(f: Finding): SarifRule {
  const id = showControl(f.id);
  const title = f.title ? showControl(f.title) : id;
  const aliases =
    f.aliases.length > 0 ? ` Also known as ${showControl(f.aliases.join(', '))}.` : '';
  const uri = helpUri(f.id);
  const severity = SECURITY_SEVERITY[f.severity];
  const help =
    'Upgrade the package each alert names to one of its fixed versions (usually by updating the ' +
    'base image or the package manager step), or record a waiver with a reason and an expiry date.';
  return {
    id: `image-gate/vulnerability/${f.id}`,
    name: 'Vulnerability',
    shortDescription: { text: `${id}: ${title}`.slice(0, 1000) },
    fullDescription: { text: `${id} (${f.severity}): ${title}.${aliases}` },
    help: {
      text: help + (uri ? ` Advisory: ${uri}` : ''),
      markdown: help + (uri ? ` Advisory: [${escapeMarkdown(id)}](${safeUrl(uri)})` : ''),
    },
    ...(uri ? { helpUri: uri } : {}),
    defaultConfiguration: { level: 'error' },
    properties: {
      ...(severity ? { 'security-severity': severity } : {}),
      tags: ['security', 'vulnerability', f.severity],
      precision: 'very-high',
    },
  };
}

/** Adds one vulnerability result; shared by `check` and `merge` SARIF. */
export function addVulnerability(run: SarifRun, f: Finding, ctx: ResultContext): void {
  const scanners = Object.entries(f.severityBySource)
    .sort(([a], [b]) => scannerRank(a) - scannerRank(b))
    .map(([s, sev]) => `${s}: ${sev}`)
    .join(', ');
  const fix = f.fixedVersions.length > 0 ? `fixed in ${fixedText(f)}` : 'no fix available';
  const where = f.package.path ? `${packageText(f)} at ${f.package.path}` : packageText(f);
  run.add({
    rule: () => vulnerabilityRule(f),
    ruleId: `image-gate/vulnerability/${f.id}`,
    ctx,
    text: `${f.id} (${f.severity}) in ${packageText(f)}; ${fix}. Reported by ${scanners || f.sources.join(', ')}.`,
    where,
    identity: `${f.package.name}\u0000${f.package.path ?? ''}`,
    properties: {
      package: f.package.name,
      version: f.package.version,
      ...(f.package.type ? { packageType: f.package.type } : {}),
      ...(f.package.purl ? { purl: f.package.purl } : {}),
      ...(f.package.path ? { path: f.package.path } : {}),
      ...(f.layerDiffId ? { layerDiffId: f.layerDiffId } : {}),
      severity: f.severity,
      severityBySource: f.severityBySource,
      sources: f.sources,
      fixedVersions: f.fixedVersions,
      aliases: f.aliases,
    },
  });
}

const STATIC_RULES: Record<
  string,
  { name: string; short: string; help: string; severity?: Severity }
> = {
  'base-image': {
    name: 'BaseImage',
    short: 'The image is not built on an allowed base image',
    help: 'Build FROM one of the bases the policy allows, so the image inherits their patches and provenance.',
    severity: 'medium',
  },
  'non-root': {
    name: 'NonRoot',
    short: 'The image runs as root',
    help: 'Add a USER instruction with a non-root user (and numeric uid) to the Dockerfile.',
    severity: 'high',
  },
};

function staticRule(id: string, rule: string, text: string, level: Level): SarifRule {
  const known = STATIC_RULES[rule];
  const severity = known?.severity ? SECURITY_SEVERITY[known.severity] : undefined;
  return {
    id,
    name: known?.name ?? rule,
    shortDescription: { text: known?.short ?? `image-gate rule ${rule}` },
    fullDescription: { text: known?.short ?? `image-gate rule ${rule}` },
    help: { text: known?.help ?? text, markdown: known?.help ?? text },
    defaultConfiguration: { level },
    properties: {
      ...(severity ? { 'security-severity': severity } : {}),
      tags: ['security', 'container', rule],
      precision: 'very-high',
    },
  };
}

function secretRule(s: SecretFinding): SarifRule {
  const help =
    'Remove the secret from the build (a file deleted in a later layer still ships in the layer that added it) and rotate it: anyone who can pull the image has it.';
  return {
    id: `image-gate/secrets/${s.detector}`,
    name: 'Secret',
    shortDescription: { text: `Secret in image: ${showControl(s.title)}` },
    fullDescription: {
      text: `The image contains what looks like a ${showControl(s.title)} (detector ${s.detector}).`,
    },
    help: { text: help, markdown: help },
    defaultConfiguration: { level: 'error' },
    properties: {
      'security-severity': SECURITY_SEVERITY.critical,
      tags: ['security', 'secret'],
      precision: 'high',
    },
  };
}

/** In-image location of a secret; the excerpt is already redacted by the detector. */
function addSecret(run: SarifRun, s: SecretFinding, ctx: ResultContext): void {
  const layer = s.layerIndex !== undefined ? ` in layer ${s.layerIndex}` : '';
  const where =
    s.kind === 'history'
      ? `history entry ${s.historyIndex ?? '?'}`
      : `${s.kind === 'file' ? '' : `${s.kind} `}${s.path ?? '?'}${s.line !== undefined ? `:${s.line}` : ''}`;
  run.add({
    rule: () => secretRule(s),
    ruleId: `image-gate/secrets/${s.detector}`,
    ctx,
    text: `${s.title} (${s.detector}) at ${where}${layer}: ${s.excerpt}`,
    where: `${where}${layer}`,
    identity: `${s.kind}\u0000${s.path ?? ''}\u0000${s.historyIndex ?? ''}\u0000${s.line ?? ''}`,
    properties: {
      kind: s.kind,
      detector: s.detector,
      ...(s.path !== undefined ? { path: s.path } : {}),
      ...(s.line !== undefined ? { line: s.line } : {}),
      ...(s.layerIndex !== undefined ? { layerIndex: s.layerIndex } : {}),
      ...(s.diffId !== undefined ? { diffId: s.diffId } : {}),
      ...(s.historyIndex !== undefined ? { historyIndex: s.historyIndex } : {}),
      excerpt: s.excerpt,
    },
  });
}

/** The rule-level result (non-root, base-image, or any rule that errored). */
function addRule(run: SarifRun, rule: RuleResult, ctx: ResultContext): void {
  const id = `image-gate/${rule.rule}`;
  const text =
    rule.status === 'error' && rule.error ? `${rule.summary}: ${rule.error}` : rule.summary;
  const findings = rule.rule === 'base-image' || rule.rule === 'non-root' ? rule.findings : [];
  run.add({
    rule: () => staticRule(id, rule.rule, text, ctx.level),
    ruleId: id,
    ctx,
    text,
    identity: '',
    properties: {
      rule: rule.rule,
      status: rule.status,
      ...(findings.length > 0 ? { findings } : {}),
    },
  });
}

/** Findings that still fail: the rule's failing list minus anything a waiver covers. */
function failingVulnerabilities(rule: RuleResult & { rule: 'vulnerabilities' }): Finding[] {
  const waived = new Set((rule.details?.waived ?? []).map((w) => findingKey(w.finding)));
  const failing = rule.details?.failing ?? rule.findings;
  return sortFindings(failing.filter((f) => !waived.has(findingKey(f))));
}

function addVerdict(run: SarifRun, verdict: Verdict): void {
  for (const rule of verdict.rules) {
    if (rule.status === 'pass' || rule.status === 'skipped') continue;
    const ctx: ResultContext = {
      image: verdict.image,
      level: rule.status === 'warn' ? 'warning' : 'error',
    };
    if (rule.status === 'error') {
      addRule(run, rule, ctx);
    } else if (rule.rule === 'secrets' && rule.findings.length > 0) {
      for (const s of rule.findings) addSecret(run, s, ctx);
    } else if (rule.rule === 'vulnerabilities' && failingVulnerabilities(rule).length > 0) {
      for (const f of failingVulnerabilities(rule)) addVulnerability(run, f, ctx);
    } else {
      addRule(run, rule, ctx);
    }
  }
}

/**
 * SARIF 2.1.0 for GitHub code scanning: one run, results only for what fails (`error`) or
 * warns (`warning`); passing and waived findings are not alerts.
 */
export function renderSarif(
  verdicts: Verdict | readonly Verdict[],
  options: SarifOptions = {},
): string {
  const list = safeDeep<readonly Verdict[]>(
    Array.isArray(verdicts) ? verdicts : [verdicts as Verdict],
  );
  const run = new SarifRun(options);
  for (const v of list) addVerdict(run, v);
  return run.render(list[0]?.tool.version ?? VERSION);
}
