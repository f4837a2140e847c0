#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need when it is missing
# (npm packages; Debian's docker.io, docker-registry, skopeo, busybox-static, debootstrap, influxdb,
# prometheus and the rest of test/env/setup.sh), starts dockerd on a private socket, a registry and
# the scanners' database server on 127.0.0.1, builds the test images with the real engine, builds
# the real Trivy, Grype and cosign from the Go module proxy (cached by version) and the test
# vulnerability databases, runs every test on Node 20 and on Node 24, and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n==> %s\n' "$*"; }

step "npm dependencies"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

step "system packages"
bash test/env/setup.sh

step "docker engine and registry on 127.0.0.1"
started=$(bash test/env/start.sh)
# shellcheck disable=SC1091
source "${IMAGE_GATE_TEST_DIR:-/tmp/image-gate-test}/env.sh"
stop_services() {
  if [ "$started" = "started" ]; then bash "$root/test/env/stop.sh" || true; fi
}
trap stop_services EXIT

step "test images"
bash test/images/build.sh
# The debootstrap Debian base: the secret detectors must find nothing in a clean Debian; and
# debian-dev (Go, Node.js, Python, pip, openssh-server, ssl-cert by apt): only install-time keys.
bash test/images/bench.sh debian-base debian-dev
# The labelled secrets corpus planted in files, deleted files, Env, history and labels.
bash test/secrets/build-image.sh

step "real scanners and their test databases"
# Trivy, Grype and cosign built from the Go module proxy once (cached by version under
# ~/.cache/image-gate-tools), the vuln-* images FROM debian-base, and the vulnerability
# databases served on loopback (Trivy's in the registry, Grype's by start.sh's HTTP server).
bash test/env/scanners.sh
# The loopback registry with the OCI 1.1 referrers API for the signing tests (they start it).
bash test/env/referrers-registry.sh
bash test/scanners/images.sh
bash test/scanners/dbs.sh

step "type check, lint, format"
npx tsc --noEmit -p tsconfig.json
npx eslint --max-warnings=0 src test scripts bench examples
npx prettier --check . >/dev/null || { npx prettier --check . ; exit 1; }

step "dist/ is what the sources build"
npm run bundle --silent
if [ -n "${CI:-}" ] && ! git diff --quiet -- dist; then
  git --no-pager diff --stat -- dist
  echo "dist/ differs from a fresh build: run 'npm run bundle' and commit dist/" >&2
  exit 1
fi

results=$(mktemp -d)
# One plain closing line per run, counted from vitest's JSON report.
tally() {
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`${process.argv[2]}: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);' "$1" "$2"
}

step "tests on Node $(node --version)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$results/node20.json"
tally "$results/node20.json" node20

step "tests on Node 24"
node24=$(bash scripts/node24.sh)
"$node24" --version
"$node24" node_modules/vitest/vitest.mjs run --reporter=default --reporter=json --outputFile.json="$results/node24.json"
tally "$results/node24.json" node24
