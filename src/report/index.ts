/** The report renderers: pure functions from a value to text. Writing files happens elsewhere. */
export { renderJson } from './json.js';
export { renderTable, renderTableMany } from './table.js';
export type { TableOptions } from './table.js';
export { renderMarkdown, renderMarkdownMany } from './markdown.js';
export type { MarkdownOptions } from './markdown.js';
export { renderSarif, SARIF_SCHEMA, DEFAULT_INFORMATION_URI } from './sarif.js';
export type { SarifOptions } from './sarif.js';
export {
  renderFindingsJson,
  renderFindingsMarkdown,
  renderFindingsSarif,
  renderFindingsTable,
} from './findings.js';
export { renderInspect } from './inspect.js';
export type { InspectInfo, InspectOptions } from './inspect.js';
export { formatSize, overallDecision } from './format.js';
