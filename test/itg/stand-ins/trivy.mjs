#!/usr/bin/env node
// A stand-in for Trivy (which cannot be installed here): it answers `version --format json` with
// a fresh database, accepts `--download-db-only`, and for `image --input PATH` prints a real
// Trivy report (STANDIN_REPORT) as Trivy would for the image at PATH: its ImageID, DiffIDs and
// layer attribution are the scanned image's. STANDIN_MODE=crash|garbage|hang|stale misbehaves.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const mode = process.env.STANDIN_MODE ?? 'ok';
const hour = 3600_000;

if (args[0] === 'version') {
  const built = new Date(Date.now() - (mode === 'stale' ? 30 * 24 * hour : hour));
  const next = new Date(built.getTime() + 6 * hour);
  console.log(
    JSON.stringify({
      Version: '0.74.0',
      VulnerabilityDB: { Version: 2, UpdatedAt: built, NextUpdate: next },
    }),
  );
  process.exit(0);
}
if (args.includes('--download-db-only')) process.exit(mode === 'stale' ? 1 : 0);
if (mode === 'crash') {
  console.error('FATAL: image scan error: scan error: unable to initialize a scanner');
  process.exit(1);
}
if (mode === 'garbage') {
  console.log('<html>rate limited</html>');
  process.exit(0);
}
if (mode === 'hang') setInterval(() => {}, 1000);
else {
  // image-gate names the manifest it checked: `--input LAYOUT@sha256:…`, as Trivy accepts.
  const [input, manifest] = args[args.indexOf('--input') + 1].split('@');
  const { configDigest, diffIds } = readLayout(input, manifest);
  const report = JSON.parse(readFileSync(process.env.STANDIN_REPORT, 'utf8'));
  report.Metadata.ImageID = configDigest;
  report.Metadata.DiffIDs = diffIds;
  // Where the vulnerable packages came from: the base (first layer) or the image's own (last).
  const layer = process.env.STANDIN_LAYER === 'base' ? diffIds[0] : diffIds[diffIds.length - 1];
  for (const result of report.Results ?? []) {
    for (const v of result.Vulnerabilities ?? []) v.Layer = { DiffID: layer };
    // --list-all-pkgs: Trivy lists every package it catalogued, vulnerable or not.
    if (args.includes('--list-all-pkgs')) {
      result.Packages = (result.Vulnerabilities ?? []).map((v) => ({
        Name: v.PkgName,
        Version: v.InstalledVersion,
      }));
    }
  }
  console.log(JSON.stringify(report));
}

function readLayout(dir, digest) {
  const blob = (d) => JSON.parse(readFileSync(join(dir, 'blobs', 'sha256', d.slice(7)), 'utf8'));
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  const manifest = blob(digest ?? index.manifests[0].digest);
  return {
    configDigest: manifest.config.digest,
    diffIds: blob(manifest.config.digest).rootfs.diff_ids,
  };
}
