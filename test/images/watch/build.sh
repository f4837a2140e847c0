#!/usr/bin/env bash
# Builds the images of the watch integration test on the test engine (legacy builder, FROM
# scratch + busybox-static, no pulls). Usage: build.sh RUNID
#   app-RUNID, unsigned-RUNID, failed-RUNID, stale-RUNID, badsig-RUNID, root-RUNID, moved-a-RUNID,
#   moved-b-RUNID: pushed to $REG/image-gate-watch/<name>:v1, the local tags removed and pulled
#   back, so the engine holds them with RepoDigests exactly like a pulled image;
#   local-RUNID: built and kept local only (no registry digest).
# Each image carries its own name in a file, so every one has its own digests. Prints one line
# per image: NAME IMAGE_ID REPO_DIGEST (REPO_DIGEST "-" for the local one).
set -euo pipefail

die() { echo "watch/build.sh: $*" >&2; exit 1; }
STATE=${IMAGE_GATE_TEST_DIR:-/tmp/image-gate-test}
# shellcheck source=test/env/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../env/lib.sh"
use_test_env
RUNID=${1:?usage: build.sh RUNID}
BUSYBOX=${IMAGE_GATE_TEST_BUSYBOX:-/bin/busybox}
[ -x "$BUSYBOX" ] || die "$BUSYBOX not found: run test/env/setup.sh (busybox-static)"

CTX=$(mktemp -d)
trap 'rm -rf "$CTX"' EXIT
cp "$BUSYBOX" "$CTX/busybox"

# build NAME USER: an image that sleeps, as USER ("" = no USER line: root by default).
build() {
  local name=$1 user=$2
  {
    echo 'FROM scratch'
    echo 'COPY busybox /bin/busybox'
    echo 'RUN ["/bin/busybox", "--install", "-s", "/bin"]'
    echo "RUN mkdir -p /etc && printf 'root:x:0:0:root:/root:/bin/sh\\\\napp:x:1000:1000:app:/home/app:/bin/sh\\\\n' > /etc/passwd \\"
    echo "  && printf 'root:x:0:\\\\napp:x:1000:\\\\n' > /etc/group && echo '$name $RUNID' > /image-name"
    [ -n "$user" ] && echo "USER $user"
    echo 'CMD ["/bin/sleep", "3600"]'
  } >"$CTX/Dockerfile"
  "$DOCKER" build -q -t "image-gate-watch/$name:$RUNID" "$CTX" >/dev/null || die "build of $name failed"
}

# publish NAME: push to the registry, drop the local tags, pull back by tag.
publish() {
  local name=$1 remote="$REG/image-gate-watch/$1:v1"
  "$DOCKER" tag "image-gate-watch/$name:$RUNID" "$remote"
  "$DOCKER" push -q "$remote" >/dev/null || die "push of $name failed"
  "$DOCKER" rmi "$remote" "image-gate-watch/$name:$RUNID" >/dev/null
  "$DOCKER" pull -q "$remote" >/dev/null || die "pull of $name failed"
  line "$name" "$remote"
}

line() {
  local id digest
  id=$("$DOCKER" image inspect -f '{{.Id}}' "$2")
  digest=$("$DOCKER" image inspect -f '{{join .RepoDigests " "}}' "$2" | tr ' ' '\n' | grep -m1 . || true)
  echo "$1 $id ${digest:--}"
}

for n in app unsigned failed stale badsig moved-a moved-b; do
  build "$n-$RUNID" 1000
  publish "$n-$RUNID"
done
build "root-$RUNID" ""
publish "root-$RUNID"
build "local-$RUNID" 1000
line "local-$RUNID" "image-gate-watch/local-$RUNID:$RUNID"
