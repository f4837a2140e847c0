#!/usr/bin/env bash
# Recall and false positives per family of image-gate's secret scanner and Trivy's, side by side,
# on the labelled corpus of test/secrets/corpus.ts. Needs ssh-keygen, openssl and keytool (the
# corpus makes real keys and keystores) and a Trivy binary.
#   bash test/secrets/compare-trivy.sh [path/to/trivy]
set -euo pipefail
cd "$(dirname "$0")/../.."
trivy=${1:-/root/.cache/image-gate-tools/trivy-0.74.0/trivy}
[ -x "$trivy" ] || { echo "compare-trivy: no trivy at $trivy" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npx esbuild test/secrets/compare-trivy.ts --bundle --platform=node --format=esm --log-level=warning --outfile="$out/compare.mjs"
node "$out/compare.mjs" "$trivy"
