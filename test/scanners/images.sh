#!/usr/bin/env bash
# Builds the images the real scanners are tested on, FROM the debootstrap Debian base of
# test/images/bench.sh (real Debian packages in a real dpkg status file):
#   vuln-app      debian-base + a Go binary linking golang.org/x/text v0.3.7 (test/scanners/vulnapp)
#                 + the npm package minimist 1.2.5 (npm pack), one layer each
#   vuln-app-arm  the same with minimist 1.2.6, its config marked linux/arm64: only the second
#                 platform of vuln-multi
#   vuln-multi    an OCI layout (and registry index) with vuln-app as linux/amd64 and vuln-app-arm
#                 as linux/arm64
# pushed as 127.0.0.1:PORT/image-gate-test/<name>:latest, with under
# $IMAGE_GATE_TEST_DIR/scanners/images/<name>/: docker-archive.tar, oci/ and info.json.
# Reused when built already (the image in the engine and info.json); --force rebuilds.
# Needs test/env/start.sh and `test/images/bench.sh debian-base` to have run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
log() { echo "vuln-images: $*" >&2; }
die() {
  echo "vuln-images: error: $*" >&2
  exit 1
}
FORCE=no
[ "${1:-}" = --force ] && FORCE=yes

STATE=${IMAGE_GATE_TEST_DIR:-/tmp/image-gate-test}
# shellcheck source=test/env/lib.sh
source "$here/../env/lib.sh"
use_test_env
command -v go >/dev/null || die "go is needed to build the Go binary of vuln-app"
command -v npm >/dev/null || die "npm is needed to fetch minimist"

OUT=$STATE/scanners/images
CTX=$STATE/scanners/ctx
BASE=$REG/image-gate-bench/debian-base:latest
mkdir -p "$OUT" "$CTX"
"$DOCKER" image inspect "$BASE" >/dev/null 2>&1 || die "$BASE is not in the engine: run test/images/bench.sh debian-base"

ref_of() { echo "$REG/image-gate-test/$1:latest"; }
registry_digest() { # NAME -> digest of the registry's manifest for :latest
  curl -fsS -o /dev/null -D - -H 'Accept: application/vnd.oci.image.index.v1+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$REG/v2/image-gate-test/$1/manifests/latest" | tr -d '\r' |
    awk -F': ' 'tolower($1) == "docker-content-digest" { print $2 }'
}

# npm_package NAME VERSION DIR: the published package, unpacked as DIR/node_modules/NAME.
npm_package() {
  local cache=$CTX/npm
  mkdir -p "$cache" "$3/node_modules/$1"
  [ -s "$cache/$1-$2.tgz" ] || (cd "$cache" && npm pack --silent "$1@$2" >/dev/null)
  tar -xzf "$cache/$1-$2.tgz" -C "$3/node_modules/$1" --strip-components=1
}

build_app() { # NAME MINIMIST_VERSION
  local name=$1 ver=$2 ctx=$CTX/$1 out=$OUT/$1 ref
  ref=$(ref_of "$name")
  if [ "$FORCE" = no ] && [ -s "$out/info.json" ] && "$DOCKER" image inspect "$ref" >/dev/null 2>&1; then
    log "$name: up to date"
    return 0
  fi
  rm -rf "$ctx" "$out"
  mkdir -p "$ctx/app" "$out"
  (cd "$here/vulnapp" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -o "$ctx/vulnapp" .)
  npm_package minimist "$ver" "$ctx/app"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $BASE
COPY vulnapp /usr/local/bin/vulnapp
COPY app /srv/app
DOCKERFILE
  "$DOCKER" build -q --network none -t "$ref" "$ctx" >/dev/null
  "$DOCKER" push -q "$ref" >/dev/null
  "$DOCKER" save -o "$out/docker-archive.tar" "$ref"
  skopeo copy --quiet --src-tls-verify=false "docker://$ref" "oci:$out/oci:latest"
  write_info "$name" "$out" "$ref"
  log "$name: built (minimist $ver)"
}

write_info() { # NAME OUT REF
  local config manifest
  config=$(skopeo inspect --raw --config --tls-verify=false "docker://$3" | sha256sum | cut -d' ' -f1)
  manifest=$(registry_digest "$1")
  skopeo inspect --config --tls-verify=false "docker://$3" |
    jq --arg name "$1" --arg ref "$3" --arg c "sha256:$config" --arg m "$manifest" --arg out "$2" \
      '{name: $name, ref: $ref, configDigest: $c, manifestDigest: $m, diffIds: .rootfs.diff_ids,
        dockerArchive: ($out + "/docker-archive.tar"), oci: ($out + "/oci")}' >"$2/info.json"
}

# vuln-multi: vuln-app (linux/amd64) and vuln-app-arm re-marked linux/arm64, in one OCI index.
blob_put() { # DIR FILE -> sha256:…
  local d
  d=$(sha256sum "$2" | cut -d' ' -f1)
  mv "$2" "$1/blobs/sha256/$d"
  echo "sha256:$d"
}
build_multi() {
  local out=$OUT/vuln-multi lay tmp amd arm arm_manifest config_digest cfg cfg_size mf mf_size idx idx_size
  lay=$out/oci
  tmp=$CTX/vuln-multi
  if [ "$FORCE" = no ] && [ -s "$out/info.json" ] && [ "$(registry_digest vuln-multi)" = "$(jq -r .manifestDigest "$out/info.json")" ]; then
    log "vuln-multi: up to date"
    return 0
  fi
  rm -rf "$out" "$tmp"
  mkdir -p "$out" "$tmp"
  skopeo copy --quiet --src-tls-verify=false "docker://$(ref_of vuln-app)" "oci:$lay:amd64"
  skopeo copy --quiet --src-tls-verify=false "docker://$(ref_of vuln-app-arm)" "oci:$lay:arm64"
  amd=$(jq -c '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "amd64") | del(.annotations)' "$lay/index.json")
  arm=$(jq -c '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "arm64") | del(.annotations)' "$lay/index.json")
  arm_manifest=$lay/blobs/sha256/$(jq -r '.digest[7:]' <<<"$arm")
  config_digest=$(jq -r .config.digest "$arm_manifest")
  jq -c '.architecture = "arm64" | .variant = "v8"' "$lay/blobs/sha256/${config_digest#sha256:}" >"$tmp/config.json"
  cfg_size=$(stat -c %s "$tmp/config.json")
  cfg=$(blob_put "$lay" "$tmp/config.json")
  jq -c --arg d "$cfg" --argjson s "$cfg_size" '.config.digest = $d | .config.size = $s' "$arm_manifest" >"$tmp/manifest.json"
  mf_size=$(stat -c %s "$tmp/manifest.json")
  mf=$(blob_put "$lay" "$tmp/manifest.json")
  jq -c -n --argjson amd "$amd" --arg md "$mf" --argjson ms "$mf_size" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [
        ($amd + {platform: {architecture: "amd64", os: "linux"}}),
        {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $md, size: $ms,
         platform: {architecture: "arm64", os: "linux", variant: "v8"}}]}' >"$tmp/index.json"
  idx_size=$(stat -c %s "$tmp/index.json")
  idx=$(blob_put "$lay" "$tmp/index.json")
  jq -n --arg d "$idx" --argjson s "$idx_size" \
    '{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $s,
      annotations: {"org.opencontainers.image.ref.name": "latest"}}]}' >"$lay/index.json"
  skopeo copy --quiet --all --preserve-digests --dest-tls-verify=false "oci:$lay:latest" "docker://$(ref_of vuln-multi)"
  [ "$(registry_digest vuln-multi)" = "$idx" ] || die "vuln-multi: registry digest differs from the index written"
  jq -n --arg ref "$(ref_of vuln-multi)" --arg d "$idx" --argjson amd "$amd" --arg arm "$mf" --arg oci "$lay" \
    '{name: "vuln-multi", ref: $ref, manifestDigest: $d, oci: $oci,
      platforms: {"linux/amd64": $amd.digest, "linux/arm64/v8": $arm}}' >"$out/info.json"
  log "vuln-multi: built"
}

build_app vuln-app 1.2.5
build_app vuln-app-arm 1.2.6
build_multi
