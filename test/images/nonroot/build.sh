#!/usr/bin/env bash
# Builds the non-root oracle images with the test engine: generate.mjs writes one build context
# per case (a Dockerfile over FROM scratch + busybox-static, built with the legacy builder, or a
# hand-written docker-archive that `docker load` applies like a pull), then each is built or
# loaded as image-gate-test/nonroot-<case>:latest and saved for the gate:
#
#   $IMAGE_GATE_TEST_DIR/nonroot/cases.json           the cases (name, kind, USER, what it proves)
#   $IMAGE_GATE_TEST_DIR/nonroot/<case>.tar           `docker save` of the image the engine runs
#                                                     (for a hand-made one that save cannot
#                                                     rebuild, the loaded archive itself)
#   $IMAGE_GATE_TEST_DIR/nonroot/<case>.load-refused  when the engine refuses to load a hand-made
#                                                     archive (its error); <case>.tar is then
#                                                     that archive as written
#
# test/itg/non-root-oracle.test.ts runs `id` in each image and compares with the gate.
# Idempotent: a case is rebuilt only when its generated context changed or its image or archive
# is missing. Needs test/env/start.sh to have run. Usage: build.sh [--force]
set -Eeuo pipefail

here=$(cd "$(dirname "$0")" && pwd)
trap 'echo "nonroot: error: command failed at line $LINENO" >&2' ERR
log() { echo "nonroot: $*" >&2; }
die() {
  echo "nonroot: error: $*" >&2
  exit 1
}
FORCE=no
[ "${1:-}" = --force ] && FORCE=yes

STATE=${IMAGE_GATE_TEST_DIR:-/tmp/image-gate-test}
# shellcheck source=test/env/lib.sh
source "$here/../../env/lib.sh"
use_test_env
BUSYBOX=${IMAGE_GATE_TEST_BUSYBOX:-/bin/busybox}
[ -x "$BUSYBOX" ] || die "$BUSYBOX not found: run test/env/setup.sh (busybox-static)"
command -v jq >/dev/null || die "jq not found: run test/env/setup.sh"

OUT=$STATE/nonroot
CTX=$OUT/ctx
mkdir -p "$OUT"
node "$here/generate.mjs" "$CTX" "$BUSYBOX" >/dev/null
cp "$CTX/cases.json" "$OUT/cases.json"
SELF=$(sha256sum <"$0" | cut -d' ' -f1)

fingerprint() { # the case's generated context and this script
  (cd "$CTX/$1" && find . -type f | LC_ALL=C sort | xargs sha256sum && echo "$SELF") | sha256sum | cut -d' ' -f1
}

built=0
skipped=0
while IFS=$'\t' read -r name kind; do
  tag=image-gate-test/nonroot-$name:latest
  fp=$(fingerprint "$name")
  if [ "$FORCE" = no ] && [ "$(cat "$OUT/$name.fp" 2>/dev/null)" = "$fp" ] && [ -s "$OUT/$name.tar" ] &&
    { [ -e "$OUT/$name.load-refused" ] || "$DOCKER" image inspect "$tag" >/dev/null 2>&1; }; then
    skipped=$((skipped + 1))
    continue
  fi
  rm -f "$OUT/$name.fp" "$OUT/$name.tar" "$OUT/$name.load-refused"
  if [ "$kind" = build ]; then
    if ! "$DOCKER" build -q -t "$tag" "$CTX/$name" >"$CTX/$name.log" 2>&1; then
      tail -n 20 "$CTX/$name.log" >&2
      die "docker build of $name failed (log: $CTX/$name.log)"
    fi
    "$DOCKER" save -o "$OUT/$name.tar" "$tag"
  else
    # A hand-made archive: the engine may refuse to load it; the gate then reads it as written.
    if "$DOCKER" load -q -i "$CTX/$name/archive.tar" >"$CTX/$name.log" 2>&1; then
      # `docker save` rebuilds layers from disk and cannot for some hand-made ones (a member
      # named ../../x): the archive loaded has the very same layers (same diff IDs).
      "$DOCKER" save -o "$OUT/$name.tar" "$tag" 2>>"$CTX/$name.log" || cp "$CTX/$name/archive.tar" "$OUT/$name.tar"
    else
      cp "$CTX/$name.log" "$OUT/$name.load-refused"
      cp "$CTX/$name/archive.tar" "$OUT/$name.tar"
      log "the engine refuses to load $name: $(tail -n 1 "$CTX/$name.log")"
    fi
  fi
  echo "$fp" >"$OUT/$name.fp"
  built=$((built + 1))
done < <(jq -r '.[] | [.name, .kind] | @tsv' "$OUT/cases.json")
log "$built built, $skipped up to date ($(jq length "$OUT/cases.json") cases)"
