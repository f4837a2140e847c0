import * as core from '@actions/core';
import { actionDeps } from './action/deps.js';
import { reportUnknownInputs } from './action/core-io.js';
import { readConfig } from './action/inputs.js';
import { runAction } from './action/run.js';
import { errorMessage } from './errors.js';

// The GitHub Action entry: inputs → typed config → runAction. runAction fails the step itself
// (with file and line where it can); this catch is for bad inputs and bugs.
try {
  if (reportUnknownInputs(process.env)) {
    core.setFailed('image-gate: unknown input (see the annotation): nothing was gated');
  } else {
    await runAction(readConfig(process.env), actionDeps());
  }
} catch (err) {
  core.setFailed(`image-gate: ${errorMessage(err)}`);
}
