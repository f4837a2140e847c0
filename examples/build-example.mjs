// Builds the bundled example images as OCI layouts under examples/.build/, without Docker:
//   base       an "approved" base image (passwd with an unprivileged user)
//   app-good   built on base, runs as uid 1000, no secrets, minimist 1.2.6  -> check passes
//   app-leaky  built on base, runs as root, ships an npm token in a layer that a later layer
//              deletes (it still ships), minimist 1.2.5 (CVE-2021-44906)   -> check fails
// The npm package minimist is there for the scanners: examples/run.sh gates vulnerabilities when
// Trivy and Grype are installed.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildOciImage } from '../scripts/oci-builder.mjs';

const out = join(import.meta.dirname, '.build');
await rm(out, { recursive: true, force: true });

const baseLayer = {
  members: [
    { path: 'etc/', dir: true },
    {
      path: 'etc/passwd',
      content: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n',
    },
    { path: 'etc/group', content: 'root:x:0:\napp:x:1000:\n' },
    { path: 'etc/os-release', content: 'NAME="Example Base"\nID=example\nVERSION_ID=1\n' },
  ],
};
/** The app, with the published npm package minimist at `version` (its package.json). */
const appLayer = (version) => ({
  members: [
    { path: 'app/', dir: true },
    { path: 'app/server.js', content: "console.log('hello from the example app');\n" },
    { path: 'app/node_modules/', dir: true },
    { path: 'app/node_modules/minimist/', dir: true },
    {
      path: 'app/node_modules/minimist/package.json',
      content: `${JSON.stringify({ name: 'minimist', version, license: 'MIT', main: 'index.js' }, null, 2)}\n`,
    },
  ],
});
// A fake token, shaped like a real npm automation token (npm_ + 36 characters).
const token = 'npm_' + 'Q7rT2vX9zB4nM6kP1sD8fG3hJ5lW0yC2aE4u';

const base = await buildOciImage(
  [baseLayer],
  { history: [{ created_by: 'example base' }] },
  join(out, 'base'),
);
const good = await buildOciImage(
  [baseLayer, appLayer('1.2.6')],
  { User: '1000', Cmd: ['/app/server.js'] },
  join(out, 'app-good'),
);
const leaky = await buildOciImage(
  [
    baseLayer,
    appLayer('1.2.5'),
    { members: [{ path: 'root/.npmrc', content: `//registry.npmjs.org/:_authToken=${token}\n` }] },
    { members: [{ path: 'root/.wh..npmrc', content: '' }] },
  ],
  { Cmd: ['/app/server.js'] },
  join(out, 'app-leaky'),
);
for (const [name, img] of Object.entries({ base, 'app-good': good, 'app-leaky': leaky })) {
  console.log(
    `built ${name.padEnd(9)} ${img.ref.replace(process.cwd() + '/', '')}  ${img.manifestDigest}`,
  );
}
