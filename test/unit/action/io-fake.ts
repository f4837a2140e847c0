import type { ActionIo } from '../../../src/action/io.js';
import type { Annotation } from '../../../src/github/annotations.js';

/** An ActionIo that records everything, for asserting on what the runner would see. */
export function recordingIo() {
  const rec = {
    annotations: [] as Annotation[],
    outputs: {} as Record<string, string>,
    failed: undefined as { message: string; annotation?: Partial<Annotation> } | undefined,
    logs: [] as string[],
    warnings: [] as string[],
    paths: [] as string[],
  };
  const io: ActionIo = {
    debug: () => {},
    info: (m) => rec.logs.push(m),
    warn: (m) => rec.warnings.push(m),
    annotate: (a) => rec.annotations.push(a),
    setOutput: (n, v) => (rec.outputs[n] = v),
    addPath: (d) => rec.paths.push(d),
    fail: (message, annotation) =>
      (rec.failed = { message, ...(annotation ? { annotation } : {}) }),
    untrusted: (t) => rec.logs.push(t),
  };
  return { io, rec };
}
