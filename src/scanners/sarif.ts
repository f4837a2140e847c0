import type { JsonObject } from './json.js';
import { arr, obj, str } from './json.js';

/** One SARIF result with the rule it refers to and the run it belongs to. */
export interface SarifEntry {
  result: JsonObject;
  rule: JsonObject;
  run: JsonObject;
}

/** The tool names of a SARIF log's runs, lower-cased (Trivy writes `Trivy`, Grype `grype`). */
export function sarifTools(doc: JsonObject): string[] {
  return arr(doc.runs).map((run) => (str(driver(obj(run)).name) ?? '').toLowerCase());
}

export function driver(run: JsonObject): JsonObject {
  return obj(obj(run.tool).driver);
}

/** Every result of every run, with its rule found by `ruleIndex`, else by `ruleId`. */
export function sarifEntries(doc: JsonObject): SarifEntry[] {
  return arr(doc.runs).flatMap((rawRun) => {
    const run = obj(rawRun);
    const rules = arr(driver(run).rules).map(obj);
    return arr(run.results).map((raw) => {
      const result = obj(raw);
      const index = result.ruleIndex;
      const byIndex = typeof index === 'number' ? rules[index] : undefined;
      const rule = byIndex ?? rules.find((r) => r.id === result.ruleId) ?? {};
      return { result, rule, run };
    });
  });
}

/**
 * The value after `Label:` on its own line of `text`; `''` when the line is there but empty
 * (Trivy's `Fixed Version: ` for no fix), undefined when the line is absent.
 */
export function lineValue(text: string | undefined, label: string): string | undefined {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^${escaped}: ?(.*)$`, 'm').exec(text ?? '');
  return match?.[1]?.trim();
}

export function messageText(result: JsonObject): string | undefined {
  return str(obj(result.message).text);
}

export function helpText(rule: JsonObject): string | undefined {
  return str(obj(rule.help).text);
}

/** The first location's artifact URI: the image name, tarball or lock file. */
export function locationUri(result: JsonObject): string | undefined {
  const first = obj(arr(result.locations)[0]);
  return str(obj(obj(first.physicalLocation).artifactLocation).uri);
}
