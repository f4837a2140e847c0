// Bundles the action (dist/index.js) and the CLI (dist/cli.js) with esbuild: not minified, so
// dist diffs stay reviewable, with source maps for stack traces. Writes dist/licenses.txt: the
// licence text of every npm package either bundle contains (their licences require shipping
// it; JavaScript actions publish the code they bundle). `node scripts/bundle.mjs [OUTDIR]`.
import { build } from 'esbuild';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const outdir = process.argv[2] ?? 'dist';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __igCreateRequire } from 'node:module'; const require = __igCreateRequire(import.meta.url);",
  },
};

const action = await build({
  ...common,
  entryPoints: ['src/main.ts'],
  outfile: join(outdir, 'index.js'),
});
const cli = await build({
  ...common,
  entryPoints: ['src/cli.ts'],
  outfile: join(outdir, 'cli.js'),
  banner: { js: '#!/usr/bin/env node\n' + common.banner.js },
});
await writeFile(join(outdir, 'licenses.txt'), await licenses([action.metafile, cli.metafile]));

/** The package directories (`node_modules/@scope/name`) the bundles took code from. */
function bundledPackages(metafiles) {
  const dirs = new Set();
  for (const meta of metafiles) {
    for (const output of Object.values(meta.outputs)) {
      for (const input of Object.keys(output.inputs)) {
        const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
        if (m) dirs.add(m[1]);
      }
    }
  }
  return [...dirs];
}

async function licenses(metafiles) {
  const entries = [];
  const seen = new Set();
  for (const dir of bundledPackages(metafiles)) {
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    // The same release installed twice (nested node_modules) is listed once.
    if (seen.has(`${pkg.name}@${pkg.version}`)) continue;
    seen.add(`${pkg.name}@${pkg.version}`);
    const files = (await readdir(dir))
      .filter((f) => /^(licen[cs]e|copying|notice)/i.test(f))
      .sort();
    const texts = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
    const declared =
      typeof pkg.license === 'string' ? pkg.license : JSON.stringify(pkg.license ?? 'UNKNOWN');
    entries.push({
      name: pkg.name,
      text: [
        `${pkg.name}@${pkg.version}`,
        `License: ${declared}`,
        ...(texts.length
          ? texts.map((t) => t.trim())
          : [`(the package ships no licence file; it declares "${declared}")`]),
      ].join('\n\n'),
    });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const head = `Third-party software bundled in image-gate's dist/ (${entries.length} packages)\n`;
  return `${head}\n${entries.map((e) => e.text).join(`\n\n${'-'.repeat(78)}\n\n`)}\n`;
}
