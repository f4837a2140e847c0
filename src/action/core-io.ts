import { randomUUID } from 'node:crypto';
import * as core from '@actions/core';
import type { Annotation } from '../github/annotations.js';
import { safeText } from '../redact.js';
import type { ActionIo } from './io.js';
import { unknownInputMessage, unknownInputs } from './unknown-inputs.js';

function properties(a: Partial<Annotation>): core.AnnotationProperties {
  return {
    ...(a.title ? { title: a.title } : {}),
    ...(a.file ? { file: a.file } : {}),
    ...(a.startLine !== undefined ? { startLine: a.startLine } : {}),
    ...(a.startColumn !== undefined ? { startColumn: a.startColumn } : {}),
  };
}

/**
 * ActionIo on @actions/core: workflow commands on stdout, outputs to GITHUB_OUTPUT. Every line
 * that reaches the log passes safeText here, the sink (no credential, secret or raw control
 * character, whoever composed the message).
 */
export function coreIo(): ActionIo {
  return {
    debug: (m) => core.debug(safeText(m)),
    info: (m) => core.info(safeText(m)),
    warn: (m) => core.warning(safeText(m)),
    annotate: (a) => {
      const write = { error: core.error, warning: core.warning, notice: core.notice }[a.level];
      write(
        safeText(a.message),
        properties({ ...a, ...(a.title ? { title: safeText(a.title) } : {}) }),
      );
    },
    setOutput: (name, value) => core.setOutput(name, value),
    addPath: (dir) => core.addPath(dir),
    fail: (message, a = {}) => {
      // core.setFailed is exactly this, minus the annotation properties (file, line).
      process.exitCode = core.ExitCode.Failure;
      core.error(safeText(message), properties(a));
    },
    untrusted: (text) => {
      // A Dockerfile's RUN output could print `::set-output …` or `::add-mask::`; the runner
      // ignores workflow commands between stop-commands and the token that resumes them.
      const token = randomUUID();
      process.stdout.write(
        `::stop-commands::${token}\n${safeText(text.endsWith('\n') ? text : `${text}\n`)}::${token}::\n`,
      );
    },
  };
}

/** A warning annotation for each `with:` key action.yml does not declare. */
/** Annotates every unknown input as an error; true when there was one. */
export function reportUnknownInputs(env: Record<string, string | undefined>): boolean {
  const names = unknownInputs(env);
  for (const name of names) {
    core.error(unknownInputMessage(name), { title: 'image-gate: unknown input' });
  }
  return names.length > 0;
}
