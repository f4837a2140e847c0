#!/usr/bin/env bash
# Builds the pinned Trivy, Grype and cosign from the Go module proxy when they are missing, into a
# cache directory keyed by version, and reuses them afterwards. No GitHub release or scanner
# download site is reachable from our machines; the Go module proxy is, and it serves the exact
# tagged sources, so `go install module@version` gives the same program as the release (same
# version string too: the release's -X ldflags are passed, because a plain `go install` reports
# "dev" / "[not provided]" and image-gate checks the scanner's version).
#
#   IMAGE_GATE_TOOLS_DIR  cache root, default ~/.cache/image-gate-tools; a tool lives in
#                         <root>/<tool>-<version>/<tool> with a .built marker
#   IMAGE_GATE_TEST_DIR   where tools.env is written (default /tmp/image-gate-test)
#   scanners.sh [--force] [trivy|grype|cosign]...   (default: all three)
#
# Writes $IMAGE_GATE_TEST_DIR/tools.env (TRIVY=…, GRYPE=…, COSIGN=… absolute paths, and their
# versions) for the tests. Prints each build's duration; a fresh machine needs Go 1.26+ and the
# module proxy (measured: see the README's "Real scanners in the tests").
set -euo pipefail

log() { echo "scanners: $*" >&2; }
die() {
  echo "scanners: error: $*" >&2
  exit 1
}

TRIVY_VERSION=0.74.0
GRYPE_VERSION=0.121.3
COSIGN_VERSION=3.1.3

ROOT=${IMAGE_GATE_TOOLS_DIR:-$HOME/.cache/image-gate-tools}
STATE=${IMAGE_GATE_TEST_DIR:-/tmp/image-gate-test}
FORCE=no
NAMES=()
for a in "$@"; do
  case $a in
    --force | -f) FORCE=yes ;;
    trivy | grype | cosign) NAMES+=("$a") ;;
    *) die "unknown argument: $a (usage: scanners.sh [--force] [trivy|grype|cosign]...)" ;;
  esac
done
[ ${#NAMES[@]} -gt 0 ] || NAMES=(trivy grype cosign)

command -v go >/dev/null || die "Go is needed to build the scanners (the Go module proxy serves their sources); install Go 1.26+"

# spec TOOL -> "module-path/cmd@vVERSION|ldflags|env"
spec() {
  case $1 in
    trivy)
      # Trivy's own build (goreleaser.yml) sets GOEXPERIMENT=jsonv2: without it, it does not compile.
      echo "github.com/aquasecurity/trivy/cmd/trivy@v$TRIVY_VERSION|-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=$TRIVY_VERSION|GOEXPERIMENT=jsonv2"
      ;;
    grype)
      echo "github.com/anchore/grype/cmd/grype@v$GRYPE_VERSION|-s -w -X main.version=$GRYPE_VERSION|"
      ;;
    cosign)
      echo "github.com/sigstore/cosign/v3/cmd/cosign@v$COSIGN_VERSION|-s -w -X sigs.k8s.io/release-utils/version.gitVersion=v$COSIGN_VERSION|"
      ;;
  esac
}

version_of() {
  case $1 in
    trivy) echo "$TRIVY_VERSION" ;;
    grype) echo "$GRYPE_VERSION" ;;
    cosign) echo "$COSIGN_VERSION" ;;
  esac
}

# build TOOL: installs it into $ROOT/TOOL-VERSION unless a finished build with the same recipe is there.
build() {
  local tool=$1 version dir recipe pkg ldflags env tmp start secs
  version=$(version_of "$tool")
  dir=$ROOT/$tool-$version
  recipe=$(spec "$tool")
  IFS='|' read -r pkg ldflags env <<<"$recipe"
  # The marker holds the recipe: a binary built another way (e.g. by hand, without the version
  # ldflags) is rebuilt rather than trusted.
  if [ "$FORCE" = no ] && [ -x "$dir/$tool" ] && [ "$(head -n 1 "$dir/.built" 2>/dev/null)" = "$recipe" ]; then
    log "$tool $version: cached in $dir ($(sed -n 2p "$dir/.built"))"
    return 0
  fi
  mkdir -p "$ROOT"
  tmp=$(mktemp -d "$ROOT/.build-$tool.XXXXXX")
  log "$tool $version: building $pkg (first build on a fresh machine takes minutes)"
  start=$(date +%s)
  # Go's default build settings otherwise (no -trimpath, cgo as Go decides): the compiled packages
  # in Go's build cache are then shared with any other build of these modules on the machine.
  if ! env GOFLAGS=-buildvcs=false GOBIN="$tmp" ${env:+"$env"} \
    go install -ldflags "$ldflags" "$pkg" >"$tmp/build.log" 2>&1; then
    tail -n 20 "$tmp/build.log" >&2
    rm -rf "$tmp"
    die "$tool $version: go install $pkg failed"
  fi
  secs=$(($(date +%s) - start))
  mkdir -p "$dir"
  mv -f "$tmp/$tool" "$dir/$tool.new"
  mv -f "$dir/$tool.new" "$dir/$tool"
  printf '%s\nbuilt in %ss on %s\n' "$recipe" "$secs" "$(date -u +%FT%TZ)" >"$dir/.built"
  rm -rf "$tmp"
  log "$tool $version: built in ${secs}s -> $dir/$tool"
}

for t in "${NAMES[@]}"; do build "$t"; done

mkdir -p "$STATE"
tmp=$(mktemp "$STATE/tools.env.XXXXXX")
{
  echo "# Written by test/env/scanners.sh"
  for t in trivy grype cosign; do
    v=$(version_of "$t")
    upper=$(echo "$t" | tr '[:lower:]' '[:upper:]')
    if [ -x "$ROOT/$t-$v/$t" ] && [ -s "$ROOT/$t-$v/.built" ]; then
      echo "export IMAGE_GATE_TEST_${upper}='$ROOT/$t-$v/$t'"
    fi
    echo "export IMAGE_GATE_TEST_${upper}_VERSION='$v'"
  done
} >"$tmp"
mv "$tmp" "$STATE/tools.env"
log "wrote $STATE/tools.env"
