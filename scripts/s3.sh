#!/usr/bin/env bash
# The development S3 server: s3rver (npm; see docs/s3.md) on loopback, in the background, its
# pid recorded so that `down` stops exactly that process.
#
#   scripts/s3.sh up       start it (one bucket, one key pair) and print how to reach it; exit 0
#                          also when it already runs from this state dir.
#   scripts/s3.sh down     SIGTERM the recorded process (SIGKILL after ~10 s), remove its data.
#   scripts/s3.sh status   exit 0 only when the recorded process is alive and answering.
#
# Environment (all optional):
#   CALLFS_DEV_STATE_DIR       dev state folder; the server's data, log and pid are in its s3/
#                              (default <repo>/.callfs-dev)
#   CALLFS_DEV_S3_PORT         port on 127.0.0.1                        (default 9000)
#   CALLFS_DEV_S3_BUCKET       the bucket it creates                    (default callfs-dev)
#   CALLFS_DEV_S3_ACCESS_KEY   access key it accepts                    (default callfs-dev-access)
#   CALLFS_DEV_S3_SECRET_KEY   secret key                               (default callfs-dev-secret-key)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${CALLFS_DEV_STATE_DIR:-$ROOT/.callfs-dev}
[[ $STATE == /* ]] || STATE=$PWD/$STATE
DIR=${STATE%/}/s3
MARKER=$DIR/.callfs-dev-s3
PIDFILE=$DIR/s3rver.pid
LOG=$DIR/s3rver.log

PORT=${CALLFS_DEV_S3_PORT:-9000}
BUCKET=${CALLFS_DEV_S3_BUCKET:-callfs-dev}
ACCESS_KEY=${CALLFS_DEV_S3_ACCESS_KEY:-callfs-dev-access}
SECRET_KEY=${CALLFS_DEV_S3_SECRET_KEY:-callfs-dev-secret-key}
STOP_GRACE_SECONDS=10

say() { printf 's3: %s\n' "$*"; }
die() {
  printf 's3: %s\n' "$*" >&2
  exit 1
}

is_alive() {
  local pid=$1 stat rest
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/stat ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  rest=${stat##*) }
  [[ ${rest%% *} != Z ]]
}

# Alive and still ours: its command line names our data folder (a recycled pid is never hit).
is_ours() {
  local pid=$1
  is_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$DIR/"
}

recorded_pid() { cat "$PIDFILE" 2>/dev/null || true; }

answering() {
  # Any HTTP answer (s3rver says 403 to an unsigned request) means it listens.
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$PORT/" 2>/dev/null || true)
  [[ $code != 000 && -n $code ]]
}

print_summary() {
  echo "S3 server (s3rver) is up: http://127.0.0.1:$PORT  (pid $(recorded_pid), data in $DIR/data)"
  echo "  bucket      $BUCKET"
  echo "  access key  $ACCESS_KEY"
  echo "  secret key  $SECRET_KEY"
  echo "  node config: backend.s3_endpoint=http://127.0.0.1:$PORT s3_bucket_name=$BUCKET"
}

cmd_up() {
  if is_ours "$(recorded_pid)"; then
    say "already running from $DIR"
    print_summary
    return 0
  fi
  [[ $PORT =~ ^[0-9]+$ ]] || die "CALLFS_DEV_S3_PORT must be a port number"
  [[ -e $ROOT/node_modules/s3rver ]] || die "s3rver is not installed (run scripts/setup.sh)"
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    die "port $PORT on 127.0.0.1 is already in use (set CALLFS_DEV_S3_PORT)"
  fi
  mkdir -p "$DIR/data"
  : >"$MARKER"
  rm -f "$PIDFILE"
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
  setsid bash -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$PIDFILE" \
    node "$ROOT/devkit/s3rver-main.cjs" "$PORT" "$DIR/data" "$BUCKET" "$ACCESS_KEY" "$SECRET_KEY" \
    </dev/null >>"$LOG" 2>&1 &
  disown "$!" 2>/dev/null || true
  local i
  for ((i = 0; i < 200; i++)); do
    if [[ -s $PIDFILE ]] && grep -q '^listening ' "$LOG" 2>/dev/null && answering; then
      print_summary
      return 0
    fi
    if [[ -s $PIDFILE ]] && ! is_alive "$(recorded_pid)"; then break; fi
    sleep 0.1
  done
  tail -n 20 "$LOG" >&2 2>/dev/null || true
  cmd_down >/dev/null
  die "s3rver did not start (see above)"
}

cmd_down() {
  if [[ ! -e $DIR ]]; then
    say "nothing to stop ($DIR does not exist)"
    return 0
  fi
  [[ -e $MARKER ]] || die "$DIR was not made by this script; leaving it alone"
  local pid i
  pid=$(recorded_pid)
  if is_ours "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < STOP_GRACE_SECONDS * 5; i++)); do
      is_alive "$pid" || break
      sleep 0.2
    done
    if is_alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -rf -- "$DIR"
  say "stopped; removed $DIR"
}

cmd_status() {
  local pid
  pid=$(recorded_pid)
  if is_ours "$pid" && answering; then
    say "running: http://127.0.0.1:$PORT (pid $pid)"
    return 0
  fi
  say "not running"
  return 1
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
