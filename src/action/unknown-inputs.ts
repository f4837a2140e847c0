import { closest } from '../policy/suggest.js';
import { INPUTS, inputVariable } from './inputs.js';

/**
 * Inputs given in `with:` that action.yml does not declare. The runner passes them on as
 * INPUT_* variables and only logs a warning that is easy to miss, so `polciy: strict.yml`
 * would silently gate with the default policy. We do not fail the step for it (an input
 * added in a newer version must not break a workflow pinned to an older one), but make it a
 * warning annotation with a suggestion.
 *
 * The runner keeps dashes and turns spaces into `_`, so `INPUT_GITHUB-TOKEN` is `github-token`.
 */
export function unknownInputs(env: Record<string, string | undefined>): string[] {
  const known = new Set(INPUTS.map(inputVariable));
  return Object.keys(env)
    .filter((k) => k.startsWith('INPUT_') && !known.has(k))
    .map((k) => k.slice('INPUT_'.length).toLowerCase())
    .sort();
}

/** `unknown input "polciy" (did you mean "policy"?)`. */
export function unknownInputMessage(name: string): string {
  const hint = closest(name, INPUTS);
  const suggestion = hint ? ` (did you mean "${hint}"?)` : '';
  return `image-gate: unknown input "${name}"${suggestion}; it is ignored. Inputs: ${INPUTS.join(', ')}`;
}
