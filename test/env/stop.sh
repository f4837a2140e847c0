#!/usr/bin/env bash
# Stops the dockerd and registry that test/env/start.sh started for this state directory: only the
# PIDs recorded in its PID files (and dockerd's own containerd, when dockerd started one), and
# only when their command line names the state directory. Waits until they are gone. Keeps the
# data (images, registry storage); delete $IMAGE_GATE_TEST_DIR afterwards to start from scratch.
#   IMAGE_GATE_TEST_DIR  state directory, default /tmp/image-gate-test
set -euo pipefail

log() { echo "stop: $*" >&2; }

STATE=${IMAGE_GATE_TEST_DIR:-/tmp/image-gate-test}
if [ ! -d "$STATE" ]; then
  log "no state directory $STATE: nothing to stop"
  exit 0
fi
STATE=$(cd "$STATE" && pwd -P)

# shellcheck source=test/env/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# stop NAME PID SECONDS: SIGTERM, wait, then SIGKILL.
stop() {
  local name=$1 pid=$2 secs=$3 i
  log "stopping $name (pid $pid)"
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < secs * 4; i++)); do
    kill -0 "$pid" 2>/dev/null || {
      log "$name stopped"
      return 0
    }
    sleep 0.25
  done
  log "$name (pid $pid) still running after ${secs}s: SIGKILL"
  kill -9 "$pid" 2>/dev/null || true
  for ((i = 0; i < 40; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.25
  done
  log "warning: $name (pid $pid) did not exit"
  return 1
}

rc=0
if pid=$(pid_of "$STATE/db-server.pid"); then
  stop "database server" "$pid" 10 || rc=1
fi
rm -f "$STATE/db-server.pid"
if pid=$(pid_of "$STATE/registry.pid"); then
  stop registry "$pid" 10 || rc=1
else
  log "registry not running"
fi
rm -f "$STATE/registry.pid"

# Read containerd's PID before dockerd goes: dockerd stops its own containerd on a clean exit,
# but not when it had to be killed.
containerd_pid=$(pid_of "$STATE/exec/containerd/containerd.pid" || true)
if pid=$(pid_of "$STATE/dockerd.pid"); then
  stop dockerd "$pid" 30 || rc=1
else
  log "dockerd not running"
fi
if [ -n "$containerd_pid" ] && kill -0 "$containerd_pid" 2>/dev/null; then
  stop "dockerd's containerd" "$containerd_pid" 10 || rc=1
fi

# A killed dockerd can leave overlay/shm mounts under the state directory behind.
leftover=$(awk -v s="$STATE/" 'index($2, s) == 1 { print $2 }' /proc/mounts | sort -r)
if [ -n "$leftover" ]; then
  log "unmounting leftovers under $STATE"
  while IFS= read -r m; do umount -l "$m" 2>/dev/null || log "warning: could not unmount $m"; done <<<"$leftover"
fi
rm -f "$STATE/docker.sock"
exit $rc
