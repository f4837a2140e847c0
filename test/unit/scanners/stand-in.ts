import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A temp dir holding stand-in executables: small sh scripts that play Trivy or Grype. */
export class StandIns {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'image-gate-scanners-'));

  /** Writes `name` as an executable sh script that logs its arguments to `calls`, then runs `body`. */
  script(name: string, body: string): string {
    const file = path.join(this.dir, name);
    const log = `printf '%s\\n' "$*" >> "${path.join(this.dir, 'calls')}"\n`;
    writeFileSync(file, `#!/bin/sh\nD="${this.dir}"\n${log}${body}\n`);
    chmodSync(file, 0o755);
    return file;
  }

  file(name: string, content: string): string {
    const file = path.join(this.dir, name);
    writeFileSync(file, content);
    return file;
  }

  /** The argument lines the stand-ins were called with, in order. */
  calls(): string[] {
    const file = path.join(this.dir, 'calls');
    return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n') : [];
  }

  read(name: string): string {
    return readFileSync(path.join(this.dir, name), 'utf8');
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
