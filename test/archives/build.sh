#!/usr/bin/env bash
# Builds docker-archive fixtures in every shape `docker save` has written, from one real image:
#
#   $IMAGE_GATE_TEST_DIR/archives/classic.tar             `docker save` by the test engine
#       (docker.io 20.10, graph drivers): <id>/layer.tar, duplicate layers as symlinks
#   $IMAGE_GATE_TEST_DIR/archives/moby-v26-graphdriver.tar   Docker >= 25 with graph drivers
#   $IMAGE_GATE_TEST_DIR/archives/moby-v25-containerd.tar    Docker >= 24 with the containerd
#       image store (gzip-compressed layer blobs)
#   $IMAGE_GATE_TEST_DIR/archives/info.json               image ID and diff IDs from the engine
#
# The engine here cannot write the last two shapes; docker-save-shapes.mjs rebuilds them from the
# classic archive as those moby versions write them (see its header). Idempotent: skipped when
# the image and the archives are there and this directory is unchanged.
# Needs test/env/start.sh and the base-a image of test/images/build.sh.
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null
source "${IMAGE_GATE_TEST_DIR:-/tmp/image-gate-test}/env.sh"
DOCKER=${IMAGE_GATE_TEST_DOCKER:-docker}
OUT="$IMAGE_GATE_TEST_DIR/archives"
TAG=image-gate-test/dup-layers:latest
mkdir -p "$OUT"

fingerprint=$(cat "$here"/build.sh "$here"/docker-save-shapes.mjs "$here"/dup-layers/* | sha256sum | cut -c1-16)
if [ -f "$OUT/info.json" ] && [ "$(jq -r .fingerprint "$OUT/info.json")" = "$fingerprint" ] &&
  [ -f "$OUT/classic.tar" ] && [ -f "$OUT/moby-v26-graphdriver.tar" ] &&
  [ -f "$OUT/moby-v25-containerd.tar" ] && "$DOCKER" image inspect "$TAG" >/dev/null 2>&1; then
  exit 0
fi

"$DOCKER" build -q -t "$TAG" "$here/dup-layers" >/dev/null
"$DOCKER" save -o "$OUT/classic.tar" "$TAG"
node "$here/docker-save-shapes.mjs" "$OUT/classic.tar" "$OUT"
"$DOCKER" image inspect "$TAG" |
  jq --arg fp "$fingerprint" '{fingerprint: $fp, imageId: .[0].Id, diffIds: .[0].RootFS.Layers}' \
    >"$OUT/info.json"
