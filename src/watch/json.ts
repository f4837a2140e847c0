import type { ContainerReport } from './state.js';
import type { Sink, Snapshot } from './watcher.js';

/** One JSON object per line. */
export function reportLine(report: ContainerReport): string {
  return `${JSON.stringify(report)}\n`;
}

/**
 * JSON lines for the long-running mode: a line when a container appears or its report
 * changes, and `{"id","name","removed":true}` when it goes. Engine up/down is logged elsewhere.
 */
export class JsonLinesSink implements Sink {
  private last = new Map<string, string>();
  private names = new Map<string, string>();

  constructor(private readonly write: (text: string) => void) {}

  snapshot(snapshot: Snapshot): void {
    if (!snapshot.engineUp && snapshot.containers.length === 0 && this.last.size === 0) return;
    const next = new Map<string, string>();
    for (const c of snapshot.containers) {
      const line = reportLine(c);
      next.set(c.id, line);
      this.names.set(c.id, c.name);
      if (this.last.get(c.id) !== line) this.write(line);
    }
    for (const id of this.last.keys()) {
      if (!next.has(id)) {
        this.write(`${JSON.stringify({ id, name: this.names.get(id) ?? '', removed: true })}\n`);
        this.names.delete(id);
      }
    }
    this.last = next;
  }
}
