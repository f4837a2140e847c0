import { closest } from '../policy/suggest.js';
import { INPUTS, inputVariable } from './inputs.js';

/**
 * Inputs given in `with:` that action.yml does not declare. The runner passes them on as
 * INPUT_* variables and only logs a warning that is easy to miss, so `polciy: strict.yml`
 * would silently gate with the default policy. A gate fails closed: an unknown input is an
 * error annotation with a suggestion, and the step fails before anything is gated.
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
  return `image-gate: unknown input "${name}"${suggestion}. Inputs: ${INPUTS.join(', ')}`;
}
