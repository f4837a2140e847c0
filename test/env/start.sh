#!/usr/bin/env bash
# Starts a private Docker engine and a private registry for the integration tests, or reuses the
# ones already running for this state directory. Prints one word on stdout: "started" when it
# started either of them, "reused" when both were already up (test/run-all.sh stops only what it
# started). Everything else goes to stderr.
#
#   IMAGE_GATE_TEST_DIR            state directory, default /tmp/image-gate-test
#   IMAGE_GATE_TEST_REGISTRY_PORT  registry port on 127.0.0.1, default 5391
#   IMAGE_GATE_TEST_STORAGE_DRIVER force a dockerd storage driver (default: overlay2, else vfs)
#   IMAGE_GATE_TEST_DOCKER         docker client to use (default: /usr/bin/docker, else `docker`)
#
# Writes $IMAGE_GATE_TEST_DIR/env.sh (source it): DOCKER_HOST, IMAGE_GATE_TEST_REGISTRY,
# IMAGE_GATE_TEST_DOCKER_HOST, IMAGE_GATE_TEST_REGISTRY_STORAGE, IMAGE_GATE_TEST_DIR,
# IMAGE_GATE_TEST_DOCKER, DOCKER_BUILDKIT=0.
#
# What we found on the development VM (Debian 12, kernel 6.18, root, cgroup v1, ext4 root fs):
# - dockerd is Debian's docker.io 20.10.24 (API 1.41). It starts its own containerd (1.6) under
#   --exec-root when no system containerd socket exists; if one exists (CI runners) it shares it,
#   which is why we also pass our own --containerd-namespace.
# - overlay2 works here (extfs backing, d_type, native overlay diff). vfs is the fallback and is
#   tried only when dockerd refuses overlay2. Note: with vfs, layer diffs are computed by
#   comparing trees, so a removed-and-recreated directory gives per-file whiteouts, not an
#   opaque whiteout (`.wh..wh..opq`); the secret-opaque image needs overlay2.
# - Two docker clients: /usr/local/bin/docker is Docker 28.2 (first on PATH), /usr/bin/docker is
#   Debian's 20.10. Both talk to the daemon (28.2 negotiates the API down to 1.41).
# - No buildx plugin anywhere. The 28.2 client falls back to the legacy builder with a
#   deprecation notice, and fails outright with DOCKER_BUILDKIT=1. The 20.10 client with
#   DOCKER_BUILDKIT=1 uses the daemon's embedded BuildKit, but every RUN then fails with
#   "network bridge not found" under --bridge=none unless the build passes --network=none/host.
#   We therefore build with the legacy builder (DOCKER_BUILDKIT=0) and the 20.10 client: one
#   layer per RUN/COPY/ADD, ENV/LABEL/USER/ARG are empty-layer history entries, and build args
#   appear in the `created_by` of later RUN steps ("|1 GITHUB_TOKEN=… /bin/sh -c …").
# - `docker run` works with --bridge=none (containers get only a loopback interface).
# - We pass our own --config-file so a host /etc/docker/daemon.json (CI runners have one) cannot
#   conflict with these flags; 127.0.0.0/8 registries are insecure (plain HTTP) by default.
set -euo pipefail

log() { echo "start: $*" >&2; }
die() {
  echo "start: error: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "dockerd needs root (rootless docker is not supported by these scripts)"

STATE=${IMAGE_GATE_TEST_DIR:-/tmp/image-gate-test}
PORT=${IMAGE_GATE_TEST_REGISTRY_PORT:-5391}
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd -P)
case "$STATE" in *[\'\ \"\\$]*) die "IMAGE_GATE_TEST_DIR must not contain quotes, spaces, \\ or \$: $STATE" ;; esac
[[ "$PORT" =~ ^[0-9]+$ ]] || die "IMAGE_GATE_TEST_REGISTRY_PORT must be a number: $PORT"
SOCK=$STATE/docker.sock
[ ${#STATE} -le 60 ] || die "state directory path too long for unix sockets under it (max 60 chars): $STATE"

if [ -n "${IMAGE_GATE_TEST_DOCKER:-}" ]; then
  DOCKER=$IMAGE_GATE_TEST_DOCKER
elif [ -x /usr/bin/docker ]; then
  DOCKER=/usr/bin/docker
else
  DOCKER=$(command -v docker) || die "no docker client found (run test/env/setup.sh)"
fi
command -v dockerd >/dev/null || die "dockerd not found (run test/env/setup.sh)"
command -v docker-registry >/dev/null || die "docker-registry not found (run test/env/setup.sh)"
command -v curl >/dev/null || die "curl not found (run test/env/setup.sh)"

# shellcheck source=test/env/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
docker_ok() { timeout 10 "$DOCKER" -H "unix://$SOCK" version >/dev/null 2>&1; }
registry_ok() { curl -fsS -o /dev/null --max-time 3 "http://127.0.0.1:$PORT/v2/" 2>/dev/null; }

started=no

# ---------------------------------------------------------------------------------------------
# dockerd
# ---------------------------------------------------------------------------------------------
start_dockerd() { # DRIVER -> 0 when it answers
  local driver=$1 pid i
  log "starting dockerd (storage driver $driver) on unix://$SOCK"
  mkdir -p "$STATE/docker" "$STATE/exec"
  echo '{}' >"$STATE/daemon.json"
  rm -f "$SOCK"
  echo "=== $(date -u +%FT%TZ) dockerd --storage-driver=$driver" >>"$STATE/dockerd.log"
  setsid dockerd \
    --config-file "$STATE/daemon.json" \
    --host "unix://$SOCK" \
    --data-root "$STATE/docker" \
    --exec-root "$STATE/exec" \
    --pidfile "$STATE/dockerd.pid" \
    --storage-driver "$driver" \
    --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
    --userland-proxy=false \
    --containerd-namespace image-gate-test \
    --containerd-plugins-namespace image-gate-test-plugins \
    </dev/null >>"$STATE/dockerd.log" 2>&1 &
  pid=$!
  for i in $(seq 1 120); do
    if docker_ok; then
      echo "$driver" >"$STATE/storage-driver"
      log "dockerd up (pid $(cat "$STATE/dockerd.pid" 2>/dev/null || echo "$pid"), $((i / 2))s)"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "dockerd (pid $pid) did not answer within 60s; stopping it"
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  log "dockerd with $driver failed; last lines of $STATE/dockerd.log:"
  tail -n 5 "$STATE/dockerd.log" | sed 's/^/    /' >&2
  return 1
}

if pid=$(pid_of "$STATE/dockerd.pid"); then
  for _ in $(seq 1 60); do docker_ok && break; sleep 0.5; done
  docker_ok || die "dockerd (pid $pid) is running but does not answer on $SOCK; run test/env/stop.sh"
  log "reusing dockerd (pid $pid, $(cat "$STATE/storage-driver" 2>/dev/null || echo '?'))"
else
  if [ -n "${IMAGE_GATE_TEST_STORAGE_DRIVER:-}" ]; then
    drivers=("$IMAGE_GATE_TEST_STORAGE_DRIVER")
  elif [ -s "$STATE/storage-driver" ]; then
    drivers=("$(cat "$STATE/storage-driver")") # keep the images we already have
  else
    drivers=(overlay2 vfs)
  fi
  ok=no
  for d in "${drivers[@]}"; do
    if start_dockerd "$d"; then ok=yes && break; fi
  done
  [ "$ok" = yes ] || die "could not start dockerd with any of: ${drivers[*]} (see $STATE/dockerd.log)"
  started=yes
fi

# ---------------------------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------------------------
if pid=$(pid_of "$STATE/registry.pid"); then
  running_port=$(cat "$STATE/registry.port" 2>/dev/null || echo '?')
  [ "$running_port" = "$PORT" ] ||
    die "the registry of $STATE (pid $pid) listens on port $running_port, not $PORT; run test/env/stop.sh first"
  for _ in $(seq 1 20); do registry_ok && break; sleep 0.5; done
  registry_ok || die "registry (pid $pid) is running but does not answer on 127.0.0.1:$PORT; run test/env/stop.sh"
  log "reusing registry (pid $pid) on 127.0.0.1:$PORT"
else
  if registry_ok; then
    die "something else already answers on 127.0.0.1:$PORT; set IMAGE_GATE_TEST_REGISTRY_PORT to a free port"
  fi
  mkdir -p "$STATE/registry"
  cat >"$STATE/registry.yml" <<YML
# Written by test/env/start.sh
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $STATE/registry
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$PORT
  headers:
    X-Content-Type-Options: [nosniff]
YML
  log "starting registry on 127.0.0.1:$PORT (storage $STATE/registry)"
  echo "$PORT" >"$STATE/registry.port"
  rm -f "$STATE/registry.pid"
  echo "=== $(date -u +%FT%TZ) docker-registry serve $STATE/registry.yml" >>"$STATE/registry.log"
  # The inner sh records its own PID and then becomes the registry (exec), so the file holds
  # the registry's PID whether or not setsid had to fork.
  setsid sh -c 'echo $$ >"$1"; exec docker-registry serve "$2"' sh "$STATE/registry.pid" "$STATE/registry.yml" \
    </dev/null >>"$STATE/registry.log" 2>&1 &
  up=no
  for _ in $(seq 1 60); do
    if registry_ok; then up=yes && break; fi
    sleep 0.5
  done
  if [ "$up" != yes ]; then
    tail -n 5 "$STATE/registry.log" | sed 's/^/    /' >&2
    die "registry did not answer on http://127.0.0.1:$PORT/v2/ within 30s (see $STATE/registry.log)"
  fi
  log "registry up (pid $(cat "$STATE/registry.pid"))"
  started=yes
fi

# ---------------------------------------------------------------------------------------------
# vulnerability database server: Grype's update URL (listing + archive) for the databases that
# test/scanners/dbs.sh writes under $STATE/scanners/www (busybox httpd, loopback only).
# ---------------------------------------------------------------------------------------------
DB_PORT=${IMAGE_GATE_TEST_DB_PORT:-5392}
[[ "$DB_PORT" =~ ^[0-9]+$ ]] || die "IMAGE_GATE_TEST_DB_PORT must be a number: $DB_PORT"
db_server_ok() { curl -fsS -o /dev/null --max-time 3 "http://127.0.0.1:$DB_PORT/" 2>/dev/null; }
mkdir -p "$STATE/scanners/www"
if pid=$(pid_of "$STATE/db-server.pid"); then
  log "reusing the database server (pid $pid) on 127.0.0.1:$(cat "$STATE/db-server.port" 2>/dev/null || echo '?')"
else
  db_server_ok && die "something else already answers on 127.0.0.1:$DB_PORT; set IMAGE_GATE_TEST_DB_PORT to a free port"
  echo "index" >"$STATE/scanners/www/index.html"
  echo "$DB_PORT" >"$STATE/db-server.port"
  setsid sh -c 'echo $$ >"$1"; exec busybox httpd -f -p "127.0.0.1:$2" -h "$3"' sh \
    "$STATE/db-server.pid" "$DB_PORT" "$STATE/scanners/www" </dev/null >>"$STATE/db-server.log" 2>&1 &
  up=no
  for _ in $(seq 1 20); do
    if db_server_ok; then up=yes && break; fi
    sleep 0.25
  done
  [ "$up" = yes ] || die "the database server did not answer on http://127.0.0.1:$DB_PORT/ (see $STATE/db-server.log)"
  log "database server up (pid $(cat "$STATE/db-server.pid")) on 127.0.0.1:$DB_PORT"
  started=yes
fi

# ---------------------------------------------------------------------------------------------
# env.sh
# ---------------------------------------------------------------------------------------------
tmp=$(mktemp "$STATE/env.sh.XXXXXX")
cat >"$tmp" <<ENV
# Written by test/env/start.sh; source it to talk to the test engine and registry.
export IMAGE_GATE_TEST_DIR='$STATE'
export DOCKER_HOST='unix://$SOCK'
export IMAGE_GATE_TEST_DOCKER_HOST='unix://$SOCK'
export IMAGE_GATE_TEST_REGISTRY='127.0.0.1:$PORT'
export IMAGE_GATE_TEST_REGISTRY_STORAGE='$STATE/registry'
export IMAGE_GATE_TEST_DB_SERVER='http://127.0.0.1:$(cat "$STATE/db-server.port")'
export IMAGE_GATE_TEST_DOCKER='$DOCKER'
export DOCKER_BUILDKIT=0
ENV
mv "$tmp" "$STATE/env.sh"
log "wrote $STATE/env.sh (DOCKER_HOST=unix://$SOCK, registry 127.0.0.1:$PORT)"

if [ "$started" = yes ]; then echo started; else echo reused; fi
