import { GateError } from '../errors.js';
import type { Finding, ScanReport } from './finding.js';
import type { JsonObject } from './json.js';
import { arr, defined, obj, splitVersions, str, strings } from './json.js';
import type { SarifEntry } from './sarif.js';
import { driver, helpText, lineValue, locationUri, messageText, sarifEntries } from './sarif.js';
import { toSeverity } from './severity.js';

/** `A high vulnerability in deb package: openssl, version 1.1.1 was found ...` */
const MESSAGE = /^A (\w+) vulnerability in (\S+) package: (.+), version (\S+) was found/;

/**
 * Parses Grype's SARIF. Every result is a vulnerability. The rule id is `<ID>-<package>`, so the
 * id comes from the help text (`Vulnerability <ID>`). Severity is lossy here: Grype writes
 * Negligible and Unknown as `low`, so prefer the JSON report when both exist.
 */
export function parseGrypeSarif(doc: JsonObject, source: string): ScanReport {
  const runs = arr(doc.runs).map(obj);
  return {
    scanner: 'grype',
    format: 'grype-sarif',
    ...defined({ scannerVersion: str(driver(runs[0] ?? {}).version) }),
    imageIds: [],
    findings: sarifEntries(doc).map((e, i) => toFinding(e, `${source}: results[${i}]`)),
  };
}

function toFinding({ result, rule }: SarifEntry, where: string): Finding {
  const help = helpText(rule);
  const message = MESSAGE.exec(messageText(result) ?? '');
  const id = lineValue(help, 'Vulnerability') || /^Vulnerability (\S+)/.exec(help ?? '')?.[1];
  const name = message?.[3] ?? lineValue(help, 'Package');
  if (!id || !name) throw new GateError('report', `${where} has no vulnerability id or package`);
  const severity = toSeverity(message?.[1] ?? lineValue(help, 'Severity'));
  return {
    id,
    aliases: [],
    package: {
      name,
      version: message?.[4] ?? lineValue(help, 'Version') ?? '',
      ...defined({
        type: message?.[2] ?? str(lineValue(help, 'Type')),
        purl: strings(obj(rule.properties).purls)[0],
        path: str(lineValue(help, 'Location')) ?? locationUri(result),
      }),
    },
    fixedVersions: splitVersions(lineValue(help, 'Fix Version')),
    severity,
    severityBySource: { grype: severity },
    cvss: [],
    sources: ['grype'],
  };
}
