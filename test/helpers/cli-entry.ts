/**
 * The CLI built from src/cli.ts for tests that must run the code under test as a child process
 * (to measure its memory, to kill it on a hang): dist/ is rebuilt only at release, so the tests
 * bundle the TypeScript entry themselves, with the options of scripts/bundle.mjs.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

let built: Promise<string> | undefined;

/** Path of a bundle of src/cli.ts, built once per test process. */
export function cliEntry(): Promise<string> {
  built ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ig-cli-'));
    const outfile = join(dir, 'cli.mjs');
    await build({
      entryPoints: [join(import.meta.dirname, '..', '..', 'src', 'cli.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      logLevel: 'warning',
      banner: {
        js: "import { createRequire as __igCreateRequire } from 'node:module'; const require = __igCreateRequire(import.meta.url);",
      },
    });
    return outfile;
  })();
  return built;
}
