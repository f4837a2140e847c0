#!/usr/bin/env bash
# Builds the benchmark images with the test engine and pushes them to the test registry:
#   debian-base  debootstrap --variant=minbase bookworm, `docker import`ed: 1 layer, ~120 MB
#   app          FROM debian-base, 5 layers, ~470 MB uncompressed, one layer holds most bytes
#   large        FROM debian-base, 3 layers, ~1.3 GB uncompressed
#   debian-dev   the debootstrap root plus Debian's golang-go (Go's source tree), nodejs, npm,
#                python3-pip, openssh-server and ssl-cert, installed with apt in a chroot:
#                real distribution content for the secret detectors (1 layer)
# as 127.0.0.1:PORT/image-gate-bench/<name>:latest, and writes under
# $IMAGE_GATE_BENCH_DIR/images/<name>/: docker-archive.tar (docker save) and oci/ (skopeo copy).
#
# Resumable and cached: every stage leaves a marker, and a finished image is reused. When the
# engine or registry lost an image (e.g. a fresh /tmp state dir) it is reloaded from its
# docker-archive.tar and pushed again, without rebuilding.
#
#   IMAGE_GATE_BENCH_DIR     cache directory, default /var/cache/image-gate-bench
#   IMAGE_GATE_BENCH_MIRROR  Debian mirror, default: the one apt uses for bookworm
#   IMAGE_GATE_BENCH_SUITE   default bookworm
#   bench.sh --force         rebuild the images (keeps the debootstrap root filesystem)
# Needs test/env/start.sh to have run (as root).
set -Eeuo pipefail

here=$(cd "$(dirname "$0")" && pwd)
trap 'echo "bench: error: command failed at line $LINENO" >&2' ERR
log() { echo "bench: $*" >&2; }
die() {
  echo "bench: error: $*" >&2
  exit 1
}

FORCE=no
NAMES=()
for a in "$@"; do
  case $a in
    --force | -f) FORCE=yes ;;
    debian-base | app | large | debian-dev) NAMES+=("$a") ;;
    *) die "unknown argument: $a (usage: bench.sh [--force] [debian-base|app|large|debian-dev]...)" ;;
  esac
done
[ ${#NAMES[@]} -gt 0 ] || NAMES=(debian-base app large)
wanted() { [[ " ${NAMES[*]} " == *" $1 "* ]]; }

STATE=${IMAGE_GATE_TEST_DIR:-/tmp/image-gate-test}
# shellcheck source=test/env/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../env/lib.sh"
use_test_env

BENCH=${IMAGE_GATE_BENCH_DIR:-/var/cache/image-gate-bench}
SUITE=${IMAGE_GATE_BENCH_SUITE:-bookworm}
mkdir -p "$BENCH/images" "$BENCH/ctx"
BENCH=$(cd "$BENCH" && pwd -P)
TIMES=$BENCH/build-times.txt

MiB=$((1024 * 1024))

# The Debian mirror apt uses for $SUITE: deb822 .sources stanzas first, then one-line lists.
apt_mirror() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk -v suite="$SUITE" 'BEGIN { RS = ""; FS = "\n" }
      {
        u = ""; s = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { split(substr($i, 6), a, " "); for (k in a) if (a[k] != "") { u = a[k]; break } }
          if ($i ~ /^Suites:/) { n = split(substr($i, 8), b, " "); for (k = 1; k <= n; k++) if (b[k] == suite) s = 1 }
        }
        if (u != "" && s) { print u; exit }
      }' "$f")
    [ -n "$uri" ] && echo "$uri" && return 0
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri=$(awk -v suite="$SUITE" '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i + 1) == suite) { print $i; exit } }' "$f")
    [ -n "$uri" ] && echo "$uri" && return 0
  done
  echo "http://deb.debian.org/debian"
}

# timed LABEL CMD...: runs CMD, appends the duration to build-times.txt.
timed() {
  local label=$1 t0 t1
  shift
  t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N)
  printf '%s\t%s\t%.1fs\n' "$(date -u +%FT%TZ)" "$label" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" | tee -a "$TIMES" >&2
}

ref_of() { echo "$REG/image-gate-bench/$1:latest"; }
in_registry() { skopeo inspect --raw --tls-verify=false "docker://$(ref_of "$1")" >/dev/null 2>&1; }
in_daemon() { "$DOCKER" image inspect "$(ref_of "$1")" >/dev/null 2>&1; }

# fill DIR BYTES SOURCE...: copies regular files from the SOURCE directories (in sorted path
# order, SOURCE by SOURCE; one path per inode, since COPY would duplicate hard links) into DIR
# until about BYTES bytes, keeping their paths; tops up with
# generated data (half incompressible, half text) when the host has too little.
fill() {
  local dir=$1 budget=$2 list have
  shift 2
  mkdir -p "$dir"
  list=$(mktemp)
  for src in "$@"; do
    [ -d "$src" ] || continue
    find "$src" -xdev -type f -readable -size +0 -printf '%D:%i\t%s\t%p\n' 2>/dev/null | LC_ALL=C sort -t$'\t' -k3
  done | awk -F'\t' -v budget="$budget" '!seen[$1]++ && sum < budget { sum += $2; print $3 }' >"$list"
  tar -cf - --verbatim-files-from -T "$list" 2>/dev/null | tar -xf - -C "$dir" || true
  rm -f "$list"
  have=$(du -sb "$dir" | cut -f1)
  if [ "$have" -lt "$budget" ]; then
    local need=$((budget - have)) i=0 n
    log "  host content short by $((need / MiB)) MiB in $dir: generating data"
    mkdir -p "$dir/generated"
    while [ "$need" -gt 0 ]; do
      n=$((need < 64 * MiB ? need : 64 * MiB))
      # Deterministic pseudo-random bytes: AES-CTR over zeros with a fixed key.
      head -c "$n" /dev/zero |
        openssl enc -aes-128-ctr -nosalt -K 696d6167652d676174652d62656e6368 -iv "$(printf '%032x' "$i")" >"$dir/generated/data-$i.bin"
      if [ $((i % 2)) -eq 1 ]; then # text: base64 of the first 3/4, same size
        head -c $((n / 4 * 3)) "$dir/generated/data-$i.bin" | base64 -w 76 >"$dir/generated/data-$i.txt"
        rm "$dir/generated/data-$i.bin"
      fi
      need=$((need - n))
      i=$((i + 1))
    done
  fi
  log "  $dir: $(($(du -sb "$dir" | cut -f1) / MiB)) MiB"
}

# publish NAME: pushes to the registry, saves the docker archive, copies to an OCI layout.
publish() {
  local name=$1 out=$BENCH/images/$1 ref
  ref=$(ref_of "$name")
  mkdir -p "$out"
  rm -f "$out/.complete"
  timed "$name push" "$DOCKER" push -q "$ref" >&2
  timed "$name docker save" "$DOCKER" save -o "$out/docker-archive.tar.tmp" "$ref"
  mv "$out/docker-archive.tar.tmp" "$out/docker-archive.tar"
  rm -rf "$out/oci"
  timed "$name skopeo copy to oci" skopeo copy --quiet --src-tls-verify=false "docker://$ref" "oci:$out/oci:latest"
  "$DOCKER" image inspect --format '{{.Id}}' "$ref" >"$out/image-id"
  touch "$out/.complete"
}

# ensure NAME BUILD_FUNCTION: reuses a complete image; reloads/pushes it when the engine or the
# registry lost it; otherwise builds and publishes it.
ensure() {
  local name=$1 build=$2 out=$BENCH/images/$1 ref
  ref=$(ref_of "$name")
  if [ "$FORCE" = no ] && [ -f "$out/.complete" ]; then
    if ! in_daemon "$name"; then
      log "$name: loading cached $out/docker-archive.tar into the engine"
      timed "$name docker load" "$DOCKER" load -q -i "$out/docker-archive.tar" >&2
    fi
    if ! in_registry "$name"; then
      log "$name: pushing cached image to $REG"
      timed "$name push" "$DOCKER" push -q "$ref" >&2
    fi
    log "$name: cached ($ref)"
    return 0
  fi
  log "$name: building"
  "$build"
  publish "$name"
}

# --- debian-base ------------------------------------------------------------------------------
rootfs() {
  if [ -f "$BENCH/rootfs/.complete" ]; then
    log "rootfs: cached in $BENCH/rootfs"
    return 0
  fi
  command -v debootstrap >/dev/null || die "debootstrap not found: run test/env/setup.sh"
  local mirror=${IMAGE_GATE_BENCH_MIRROR:-$(apt_mirror)} keyring=()
  [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] && keyring=(--keyring=/usr/share/keyrings/debian-archive-keyring.gpg)
  log "rootfs: debootstrap --variant=minbase $SUITE from $mirror (packages cached in $BENCH/debs)"
  mkdir -p "$BENCH/debs"
  rm -rf "$BENCH/rootfs.partial"
  timed "debootstrap" debootstrap --variant=minbase "${keyring[@]}" --cache-dir="$BENCH/debs" \
    "$SUITE" "$BENCH/rootfs.partial" "$mirror" >"$BENCH/debootstrap.log" 2>&1 ||
    {
      tail -n 20 "$BENCH/debootstrap.log" >&2
      die "debootstrap failed (log: $BENCH/debootstrap.log)"
    }
  rm -rf "$BENCH/rootfs"
  mv "$BENCH/rootfs.partial" "$BENCH/rootfs"
  touch "$BENCH/rootfs/.complete"
}

build_debian_base() {
  rootfs
  # Like Debian's official images: no device nodes, no downloaded .debs, no apt lists (~50 MB);
  # and not our marker.
  timed "debian-base import" bash -c '
    tar -C "$1" --numeric-owner --exclude=./.complete --exclude="./dev/*" --exclude="./proc/*" \
      --exclude="./sys/*" --exclude="./var/cache/apt/archives/*.deb" --exclude="./var/lib/apt/lists/*" -cf - . |
      "$2" import --change "CMD [\"/bin/bash\"]" --message "debootstrap --variant=minbase $4" - "$3" >/dev/null
  ' _ "$BENCH/rootfs" "$DOCKER" "$(ref_of debian-base)" "$SUITE"
}

# --- debian-dev -------------------------------------------------------------------------------
# apt inside a copy of the debootstrap root, from the same Debian mirror. Services are not
# started (policy-rc.d), but maintainer scripts run as on a real install, so the install-time
# keys (OpenSSH host keys, the ssl-cert snakeoil key) are generated and baked in.
DEV_PACKAGES=(golang-go nodejs npm python3-pip openssh-server ssl-cert)
dev_rootfs() {
  local root=$BENCH/rootfs-dev
  if [ -f "$root/.complete" ]; then
    log "rootfs-dev: cached in $root"
    return 0
  fi
  rootfs
  rm -rf "$root.partial"
  cp -a "$BENCH/rootfs" "$root.partial"
  rm -f "$root.partial/.complete"
  cp /etc/resolv.conf "$root.partial/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' >"$root.partial/usr/sbin/policy-rc.d"
  chmod 755 "$root.partial/usr/sbin/policy-rc.d"
  mount -t proc proc "$root.partial/proc"
  local rc=0
  timed "debian-dev apt-get install" chroot "$root.partial" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends "$@" && apt-get clean' \
    _ "${DEV_PACKAGES[@]}" >"$BENCH/debian-dev-apt.log" 2>&1 || rc=$?
  umount "$root.partial/proc"
  [ "$rc" -eq 0 ] || {
    tail -n 20 "$BENCH/debian-dev-apt.log" >&2
    die "apt-get install in the chroot failed (log: $BENCH/debian-dev-apt.log)"
  }
  rm -f "$root.partial/usr/sbin/policy-rc.d"
  : >"$root.partial/etc/resolv.conf"
  rm -rf "$root"
  mv "$root.partial" "$root"
  touch "$root/.complete"
}

build_debian_dev() {
  dev_rootfs
  timed "debian-dev import" bash -c '
    tar -C "$1" --numeric-owner --exclude=./.complete --exclude="./dev/*" --exclude="./proc/*" \
      --exclude="./sys/*" --exclude="./var/cache/apt/archives/*.deb" --exclude="./var/lib/apt/lists/*" -cf - . |
      "$2" import --change "CMD [\"/bin/bash\"]" --message "debootstrap + apt-get install $4" - "$3" >/dev/null
  ' _ "$BENCH/rootfs-dev" "$DOCKER" "$(ref_of debian-dev)" "${DEV_PACKAGES[*]}"
}

# --- app --------------------------------------------------------------------------------------
build_app() {
  local ctx=$BENCH/ctx/app
  if [ ! -f "$ctx/.complete" ]; then
    rm -rf "$ctx"
    mkdir -p "$ctx/etc"
    log "app: filling the build context in $ctx"
    printf 'listen = "0.0.0.0:8080"\nworkers = 4\nlog_level = "info"\n' >"$ctx/etc/app.toml"
    cp -a /etc/os-release "$ctx/etc/" 2>/dev/null || true
    fill "$ctx/lib" $((285 * MiB)) /usr/lib/x86_64-linux-gnu /usr/lib /usr/bin
    fill "$ctx/share" $((40 * MiB)) /usr/share/doc /usr/share/man /usr/share
    touch "$ctx/.complete"
  fi
  timed "app docker build" "$DOCKER" build -q --build-arg "BASE=$(ref_of debian-base)" \
    -f "$here/bench/app/Dockerfile" -t "$(ref_of app)" "$ctx" >&2
}

# --- large ------------------------------------------------------------------------------------
build_large() {
  local ctx=$BENCH/ctx/large
  if [ ! -f "$ctx/.complete" ]; then
    rm -rf "$ctx"
    mkdir -p "$ctx"
    log "large: filling the build context in $ctx"
    fill "$ctx/blob" $((1060 * MiB)) /usr/lib /usr/bin /usr/share
    fill "$ctx/extra" $((60 * MiB)) /usr/share /usr/lib
    touch "$ctx/.complete"
  fi
  timed "large docker build" "$DOCKER" build -q --build-arg "BASE=$(ref_of debian-base)" \
    -f "$here/bench/large/Dockerfile" -t "$(ref_of large)" "$ctx" >&2
}

# app and large are built on debian-base, so it is always ensured.
ensure debian-base build_debian_base
if wanted app; then ensure app build_app; fi
if wanted large; then ensure large build_large; fi
if wanted debian-dev; then ensure debian-dev build_debian_dev; fi
# Build contexts are only needed to build; the images are cached.
rm -rf "$BENCH/ctx"

# --- sizes ------------------------------------------------------------------------------------
printf '\n%-12s %7s %14s %14s %16s\n' image layers uncompressed compressed docker-archive >&2
for name in "${NAMES[@]}"; do
  ref=$(ref_of "$name")
  uncompressed=$("$DOCKER" image inspect --format '{{.Size}}' "$ref")
  manifest=$(skopeo inspect --raw --tls-verify=false "docker://$ref")
  layers=$(jq '.layers | length' <<<"$manifest")
  compressed=$(jq '[.layers[].size] | add' <<<"$manifest")
  archive=$(stat -c %s "$BENCH/images/$name/docker-archive.tar")
  printf '%-12s %7d %11d MB %11d MB %13d MB\n' "$name" "$layers" $((uncompressed / 1000000)) \
    $((compressed / 1000000)) $((archive / 1000000)) >&2
  jq -n --arg ref "$ref" --argjson layers "$layers" --argjson u "$uncompressed" --argjson c "$compressed" \
    --arg archive "$BENCH/images/$name/docker-archive.tar" --arg oci "$BENCH/images/$name/oci" \
    --argjson sizes "$(jq '[.layers[].size]' <<<"$manifest")" \
    '{ref: $ref, layers: $layers, uncompressedBytes: $u, compressedBytes: $c, layerCompressedBytes: $sizes, dockerArchive: $archive, oci: $oci}' \
    >"$BENCH/images/$name/info.json"
done
log "build times: $TIMES"
