#!/usr/bin/env bash
# Builds the test vulnerability databases from test/scanners/advisories.json with the scanners'
# own Go packages (test/scanners/trivy-db, test/scanners/grype-db), and publishes them the way
# the real ones are published, on loopback only:
#   Trivy  OCI artifacts in the test registry, for `--db-repository` / TRIVY_DB_REPOSITORY:
#            $REG/image-gate-test/trivy-db:2        built 1h ago (fresh)
#            $REG/image-gate-test/trivy-db-stale:2  built 10 days ago, NextUpdate long past
#   Grype  listing + archive under $IMAGE_GATE_TEST_DIR/scanners/www, served over HTTP by
#          test/env/start.sh, for GRYPE_DB_UPDATE_URL:
#            http://127.0.0.1:$DB_PORT/grype/fresh/latest.json  (1h old)
#            http://127.0.0.1:$DB_PORT/grype/stale/latest.json  (10 days old)
# Rebuilt on every run (seconds), so "fresh" is fresh; the two programs are compiled with Go's
# build cache (minutes on a fresh machine, seconds afterwards). Writes
# $IMAGE_GATE_TEST_DIR/scanners/dbs.env for the tests.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
log() { echo "vuln-dbs: $*" >&2; }
die() {
  echo "vuln-dbs: error: $*" >&2
  exit 1
}

STATE=${IMAGE_GATE_TEST_DIR:-/tmp/image-gate-test}
# shellcheck source=test/env/lib.sh
source "$here/../env/lib.sh"
use_test_env
command -v go >/dev/null || die "go is needed to build the vulnerability databases"
DB_PORT=$(cat "$STATE/db-server.port" 2>/dev/null || echo "${IMAGE_GATE_TEST_DB_PORT:-5392}")

BIN=$STATE/scanners/bin
WWW=$STATE/scanners/www
WORK=$STATE/scanners/db
mkdir -p "$BIN" "$WWW" "$WORK"

for prog in trivy-db grype-db; do
  start=$(date +%s)
  (cd "$here/$prog" && GOFLAGS=-mod=readonly go build -o "$BIN/$prog.new" .) || die "building $prog failed"
  mv -f "$BIN/$prog.new" "$BIN/$prog"
  log "$prog compiled in $(($(date +%s) - start))s"
done

ADV=$here/advisories.json
# age: fresh = 1h, stale = 10 days (240h); Trivy's NextUpdate is 6h after the build.
"$BIN/trivy-db" -advisories "$ADV" -out "$WORK/trivy-fresh" -age 1h -push "$REG/image-gate-test/trivy-db:2" >/dev/null
"$BIN/trivy-db" -advisories "$ADV" -out "$WORK/trivy-stale" -age 240h -push "$REG/image-gate-test/trivy-db-stale:2" >/dev/null
for kind in fresh stale; do
  age=1h
  [ $kind = stale ] && age=240h
  rm -rf "$WWW/grype/$kind.new"
  "$BIN/grype-db" -advisories "$ADV" -out "$WWW/grype/$kind.new" -age $age >/dev/null
  rm -rf "$WWW/grype/$kind"
  mv "$WWW/grype/$kind.new" "$WWW/grype/$kind"
done

tmp=$(mktemp "$STATE/scanners/dbs.env.XXXXXX")
cat >"$tmp" <<ENV
# Written by test/scanners/dbs.sh
export IMAGE_GATE_TEST_TRIVY_DB='$REG/image-gate-test/trivy-db:2'
export IMAGE_GATE_TEST_TRIVY_DB_STALE='$REG/image-gate-test/trivy-db-stale:2'
export IMAGE_GATE_TEST_GRYPE_DB='http://127.0.0.1:$DB_PORT/grype/fresh/latest.json'
export IMAGE_GATE_TEST_GRYPE_DB_STALE='http://127.0.0.1:$DB_PORT/grype/stale/latest.json'
ENV
mv "$tmp" "$STATE/scanners/dbs.env"
log "databases published (Trivy in $REG, Grype on 127.0.0.1:$DB_PORT); wrote $STATE/scanners/dbs.env"
