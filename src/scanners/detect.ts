import { GateError } from '../errors.js';
import type { ScanReport } from './finding.js';
import { parseGrypeJson } from './grype-json.js';
import { parseGrypeSarif } from './grype-sarif.js';
import { isObject } from './json.js';
import { sarifTools } from './sarif.js';
import { parseTrivyJson } from './trivy-json.js';
import { parseTrivySarif } from './trivy-sarif.js';

/**
 * Parses a scanner report of any supported kind, recognised by content rather than file name:
 * Trivy JSON has `SchemaVersion`, Grype JSON has `matches` or `descriptor`, SARIF has `runs` whose
 * driver is trivy or grype. `source` (usually the file path) names the report in errors.
 */
export function detectReport(json: unknown, source: string): ScanReport {
  if (!isObject(json)) {
    throw new GateError('report', `${source}: not a scanner report (expected a JSON object)`);
  }
  if ('SchemaVersion' in json) return parseTrivyJson(json, source);
  if (Array.isArray(json.runs)) return parseSarif(json, source);
  if ('matches' in json || 'descriptor' in json) return parseGrypeJson(json, source);
  throw new GateError(
    'report',
    `${source}: not a Trivy or Grype report (no SchemaVersion, matches or SARIF runs)`,
  );
}

/** `detectReport` for report text, with a clear error when it is not JSON at all. */
export function parseReportText(text: string, source: string): ScanReport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new GateError('report', `${source}: not valid JSON`, { cause: err });
  }
  return detectReport(json, source);
}

function parseSarif(json: Record<string, unknown>, source: string): ScanReport {
  const tools = [...new Set(sarifTools(json))];
  // A SARIF log from several tools would mix scanners in one report: refuse rather than guess.
  if (tools.length === 1 && tools[0] === 'trivy') return parseTrivySarif(json, source);
  if (tools.length === 1 && tools[0] === 'grype') return parseGrypeSarif(json, source);
  // No run at all: no tool can be named, and an empty log must not pass as a clean scan.
  if (tools.length === 0) throw new GateError('report', `${source}: SARIF without runs`);
  throw new GateError(
    'report',
    `${source}: SARIF from ${tools.map((t) => t || '(unnamed tool)').join(', ')} is not a Trivy or Grype report`,
  );
}
