// Rewrites a classic `docker save` archive into the two shapes the local engine (docker.io 20.10)
// cannot write, each laid out as the named moby version writes it (read in moby's source):
//
// moby-v26-graphdriver.tar: moby v26.0.0 image/tarexport/save.go (Docker >= 25 with graph
//   drivers; v25.0.0 wrote the same but left the OCI manifest's layers empty). One tar of a
//   directory (archive.Tar, lexical order, directory entries included) holding
//   blobs/sha256/<config>, blobs/sha256/<diffID> (uncompressed layer tars, each once),
//   blobs/sha256/<OCI manifest>, index.json (OCI index, ref annotations, platform),
//   manifest.json ([{Config, RepoTags, Layers, LayerSources}] as blobs/sha256 paths, json.Encoder
//   so newline-terminated), oci-layout and repositories. The per-layer legacy v1 JSON blobs that
//   saveConfig also writes are left out: nothing reads them, and their IDs need moby's v1 ID
//   chain.
//
// moby-v25-containerd.tar: moby v25.0.0 daemon/containerd/image_exporter.go, which calls
//   containerd 1.7 images/archive/exporter.go (Docker >= 24 with the containerd image store):
//   records sorted by name and de-duplicated (writeTar), oci-layout, the blobs as stored in the
//   content store (here: the OCI manifest, the config, gzip-compressed layers), index.json
//   (schemaVersion and manifests only), manifest.json ([{Config, RepoTags, Layers}]) and the
//   blobs/ directories.
//
//   node docker-save-shapes.mjs CLASSIC.tar OUTDIR
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';

const [classic, out] = process.argv.slice(2);
if (!classic || !out) throw new Error('usage: docker-save-shapes.mjs CLASSIC.tar OUTDIR');

const sha = (b) => createHash('sha256').update(b).digest('hex');
const work = mkdtempSync(join(tmpdir(), 'ig-save-shapes-'));
try {
  // GNU tar resolves the classic archive's symlinked duplicate layers when they are read.
  execFileSync('tar', ['-xf', classic, '-C', work]);
  const [entry] = JSON.parse(readFileSync(join(work, 'manifest.json'), 'utf8'));
  const configBytes = readFileSync(join(work, entry.Config));
  const config = JSON.parse(configBytes.toString('utf8'));
  const layerTars = entry.Layers.map((l) => readFileSync(join(work, l)));
  const tag = entry.RepoTags[0];
  const platform = { architecture: config.architecture, os: config.os };
  writeFileSync(
    join(out, 'moby-v26-graphdriver.tar'),
    await graphdriverV26(configBytes, layerTars, tag, platform),
  );
  writeFileSync(
    join(out, 'moby-v25-containerd.tar'),
    await containerdV25(configBytes, layerTars, tag),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

function refAnnotations(tag) {
  const [name, t] = tag.split(':');
  const full = name.includes('/') ? `docker.io/${name}:${t}` : `docker.io/library/${name}:${t}`;
  return { 'io.containerd.image.name': full, 'org.opencontainers.image.ref.name': t };
}

async function graphdriverV26(configBytes, layerTars, tag, platform) {
  const files = new Map();
  const blob = (b) => {
    const hex = sha(b);
    files.set(`blobs/sha256/${hex}`, b);
    return hex;
  };
  const configHex = blob(configBytes);
  const layerHexes = layerTars.map(blob);
  const layerDesc = (b, hex) => ({
    mediaType: 'application/vnd.oci.image.layer.v1.tar',
    digest: `sha256:${hex}`,
    size: b.length,
  });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${configHex}`,
        size: configBytes.length,
        platform,
      },
      layers: layerTars.map((b, i) => layerDesc(b, layerHexes[i])),
    }),
  );
  const manifestHex = blob(manifest);
  const layerSources = {};
  layerTars.forEach(
    (b, i) => (layerSources[`sha256:${layerHexes[i]}`] = layerDesc(b, layerHexes[i])),
  );
  const [name, t] = tag.split(':');
  files.set(
    'manifest.json',
    Buffer.from(
      JSON.stringify([
        {
          Config: `blobs/sha256/${configHex}`,
          RepoTags: [tag],
          Layers: layerHexes.map((h) => `blobs/sha256/${h}`),
          LayerSources: layerSources,
        },
      ]) + '\n',
    ),
  );
  files.set(
    'repositories',
    Buffer.from(JSON.stringify({ [name]: { [t]: layerHexes.at(-1) } }) + '\n'),
  );
  files.set('oci-layout', Buffer.from('{"imageLayoutVersion": "1.0.0"}'));
  files.set(
    'index.json',
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: `sha256:${manifestHex}`,
            size: manifest.length,
            annotations: refAnnotations(tag),
            platform,
          },
        ],
      }),
    ),
  );
  const dirs = ['blobs/', 'blobs/sha256/'];
  const names = [...dirs, ...files.keys()].sort();
  return tarOf(
    names.map((n) =>
      n.endsWith('/') ? { name: n, dir: true } : { name: n, data: files.get(n), mode: 0o644 },
    ),
  );
}

async function containerdV25(configBytes, layerTars, tag) {
  const records = [];
  const blob = (b) => {
    const hex = sha(b);
    records.push({ name: `blobs/sha256/${hex}`, data: b, mode: 0o444 });
    return hex;
  };
  // The content store holds what BuildKit exported: gzip layers under an OCI manifest.
  const gz = layerTars.map((b) => gzipSync(b));
  const layers = gz.map((b) => ({
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    digest: `sha256:${sha(b)}`,
    size: b.length,
  }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${sha(configBytes)}`,
        size: configBytes.length,
      },
      layers,
    }),
  );
  // images.Walk order: the manifest, then its children (config, layers).
  const manifestHex = blob(manifest);
  const configHex = blob(configBytes);
  gz.forEach(blob);
  records.push({
    name: 'oci-layout',
    data: Buffer.from('{"imageLayoutVersion":"1.0.0"}'),
    mode: 0o444,
  });
  records.push({
    name: 'index.json',
    mode: 0o644,
    data: Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: `sha256:${manifestHex}`,
            size: manifest.length,
            annotations: refAnnotations(tag),
          },
        ],
      }),
    ),
  });
  records.push({
    name: 'manifest.json',
    mode: 0o644,
    data: Buffer.from(
      JSON.stringify([
        {
          Config: `blobs/sha256/${configHex}`,
          RepoTags: [tag],
          Layers: layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
        },
      ]),
    ),
  });
  records.push({ name: 'blobs/', dir: true }, { name: 'blobs/sha256/', dir: true });
  records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const unique = records.filter((r, i) => i === 0 || r.name !== records[i - 1].name);
  return tarOf(unique);
}

async function tarOf(records) {
  const pack = tar.pack();
  const chunks = [];
  pack.on('data', (c) => chunks.push(c));
  const done = new Promise((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const r of records) {
    if (r.dir) pack.entry({ name: r.name, type: 'directory', mode: 0o755, mtime: new Date(0) });
    else pack.entry({ name: r.name, mode: r.mode, mtime: new Date(0) }, r.data);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}
