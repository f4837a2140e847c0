/** The scanners module: report parsers, merging, and running Trivy and Grype. */
export type { Cvss, Finding, PackageRef, ScanReport, ScannerName, Severity } from './finding.js';
export { SEVERITIES } from './finding.js';
export { detectReport, parseReportText } from './detect.js';
export { parseTrivyJson } from './trivy-json.js';
export { parseGrypeJson } from './grype-json.js';
export { parseTrivySarif } from './trivy-sarif.js';
export { parseGrypeSarif } from './grype-sarif.js';
export { foundOnlyBy, isCve, mergeFindings, mergeReports } from './merge.js';
export type { MergeOptions } from './merge.js';
export { maxSeverity, severityRank, toSeverity } from './severity.js';
export { childProcessRunner, findOnPath } from './runner.js';
export type { CommandRunner, RunOptions, RunResult } from './runner.js';
export type { ImageOnDisk, ScannerOptions } from './exec.js';
export { scanWithTrivy } from './trivy.js';
export { scanWithGrype } from './grype.js';
export { parseDuration } from './duration.js';
export { DEFAULT_VERSIONS, installScanner } from './install.js';
export type { InstallOptions, ToolCache } from './install.js';
