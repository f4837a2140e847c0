#!/usr/bin/env bash
# Builds the loopback registry with the OCI 1.1 referrers API that the signing tests use
# (test/env/referrers-registry: go-containerregistry's registry, from the Go module proxy), when
# it is missing. The Debian docker-registry (distribution 2.8) and distribution 3.1 have no
# referrers API, so without this only the fallback-tag path could be tested.
# Idempotent; needs Go >= 1.24. The tests start and stop the server themselves (by PID).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${IMAGE_GATE_TOOLS_DIR:-$HOME/.cache/image-gate-tools}/referrers-registry/referrers-registry
if [ -x "$out" ] && [ "${1:-}" != "--force" ]; then
  echo "referrers-registry: present ($out)" >&2
  exit 0
fi
command -v go >/dev/null || { echo "referrers-registry: Go is needed to build $out" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
echo "referrers-registry: building $out" >&2
(cd "$here/referrers-registry" && go build -trimpath -o "$out.tmp" . && mv "$out.tmp" "$out")
echo "referrers-registry: built" >&2
