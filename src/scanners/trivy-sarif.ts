import { GateError } from '../errors.js';
import type { Cvss, Finding, ScanReport } from './finding.js';
import type { JsonObject } from './json.js';
import {
  arr,
  defined,
  num,
  obj,
  present,
  splitVersions,
  str,
  strings,
  unique,
  versionOf,
} from './json.js';
import type { SarifEntry } from './sarif.js';
import { driver, helpText, lineValue, locationUri, messageText, sarifEntries } from './sarif.js';
import { toSeverity } from './severity.js';

/**
 * Parses Trivy's SARIF. Only results whose rule name ends in `Vulnerability` count
 * (`OsPackageVulnerability`, `LanguageSpecificPackageVulnerability`): misconfiguration messages
 * also carry a `Vulnerability <ID>` line, so the text cannot tell them apart. Trivy shares one rule
 * per id across packages, so severity and fix come from each result's own message lines.
 */
export function parseTrivySarif(doc: JsonObject, source: string): ScanReport {
  const entries = sarifEntries(doc).filter((e) =>
    (str(e.rule.name) ?? '').endsWith('Vulnerability'),
  );
  const runs = arr(doc.runs).map(obj);
  const props = obj(runs[0]?.properties);
  return {
    scanner: 'trivy',
    format: 'trivy-sarif',
    ...defined({
      artifactName: str(props.imageName),
      scannerVersion: str(driver(runs[0] ?? {}).version),
    }),
    imageIds: unique([str(props.imageID), ...strings(props.repoDigests)].filter(present)),
    findings: entries.map((e, i) => toFinding(e, `${source}: results[${i}]`)),
  };
}

function toFinding({ result, rule }: SarifEntry, where: string): Finding {
  const text = messageText(result);
  const id = lineValue(text, 'Vulnerability') || str(result.ruleId);
  const name = lineValue(text, 'Package');
  if (!id || !name) throw new GateError('report', `${where} has no vulnerability id or package`);
  const severity = toSeverity(lineValue(text, 'Severity') ?? tagSeverity(rule));
  return {
    id,
    aliases: [],
    package: {
      name,
      version: lineValue(text, 'Installed Version') ?? '',
      ...defined({ path: locationUri(result) }),
    },
    fixedVersions: splitVersions(lineValue(text, 'Fixed Version')),
    severity,
    severityBySource: { trivy: severity },
    cvss: ruleCvss(rule),
    ...defined({ title: str(obj(rule.shortDescription).text) ?? firstLine(helpText(rule)) }),
    sources: ['trivy'],
  };
}

/** Rule tags are `["vulnerability", "security", "HIGH"]`; the last is the severity. */
function tagSeverity(rule: JsonObject): string | undefined {
  return strings(obj(rule.properties).tags).at(-1);
}

function ruleCvss(rule: JsonObject): Cvss[] {
  const p = obj(rule.properties);
  const out: Cvss[] = [];
  const v3 = str(p.cvssv3_vector);
  const s3 = num(p.cvssv3_baseScore);
  if (v3 !== undefined || s3 !== undefined) {
    out.push({
      source: 'sarif',
      version: versionOf(v3) ?? '3',
      ...defined({ vector: v3, score: s3 }),
    });
  }
  const v2 = str(p.cvssv2_vector);
  const s2 = num(p.cvssv2_score);
  if (v2 !== undefined || s2 !== undefined) {
    out.push({ source: 'sarif', version: '2.0', ...defined({ vector: v2, score: s2 }) });
  }
  return out;
}

function firstLine(text: string | undefined): string | undefined {
  return str(text?.split('\n', 1)[0]);
}
