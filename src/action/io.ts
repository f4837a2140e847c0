import type { Annotation } from '../github/annotations.js';
import type { Logger } from '../log.js';

/**
 * What the action does to the runner: log, annotate, set outputs, fail the step. A port, so
 * runAction runs in unit tests without @actions/core; ./core-io.ts is the real one.
 */
export interface ActionIo extends Logger {
  annotate(annotation: Annotation): void;
  setOutput(name: string, value: string): void;
  addPath(dir: string): void;
  /** Marks the step failed with this message (an error annotation, exit code 1). */
  fail(message: string, annotation?: Partial<Annotation>): void;
  /** Writes text from an untrusted source (a docker build) with workflow commands disabled. */
  untrusted(text: string): void;
}
