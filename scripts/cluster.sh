#!/usr/bin/env bash
# A development cluster on loopback: one etcd, one S3 server (s3rver, scripts/s3.sh) and three
# CallFS nodes (node-1..node-3), started in the background with their pids recorded, so that
# `down` stops exactly those processes. Every node reaches the bucket; node-3 keeps its new files
# there (default_backend s3), node-1 and node-2 on their disks, so both backend types show.
#
#   scripts/cluster.sh up      set up, start etcd + 3 nodes, return once every node is ready.
#                              Exit 0 also when this state dir's cluster is already running
#                              (it says so); exit 1 when it is only partly running (run `down`).
#   scripts/cluster.sh down    SIGTERM the recorded processes (nodes, then etcd), SIGKILL what is
#                              left after ~10 s, remove the state dir. Safe when nothing runs.
#   scripts/cluster.sh run     `up`, then stay in the foreground (make cluster): Ctrl-C, or any
#                              of the processes dying, runs `down`. Exit 1 if already running.
#   scripts/cluster.sh status  the recorded processes and each node's /ready; exit 0 only when
#                              all are alive and ready.
#   scripts/cluster.sh restart node-N
#                              stop node-N (SIGTERM, SIGKILL after ~10 s) and start it again with
#                              the same config and data root; return once it is ready. The other
#                              nodes, etcd and every file stay as they are.
#
# State layout (under the state folder):
#   config/node-N.yaml         each node's config (keys and secrets inside: mode 0600)
#   node-N/data/               node-N's storage root: the files it owns, at their API paths,
#                              and .callfs/ (its temps, journals, quarantine, lost+found)
#   etcd/                      etcd's data dir;  logs/<name>.log  each process's output
#   pids/<name>.pid            the processes `up` started;  cluster.env  ports and key in use
#
# Environment (all optional):
#   CALLFS_DEV_STATE_DIR       state folder: configs, etcd data, node roots, logs, pids
#                              (default <repo>/.callfs-dev; tests point it at a temp dir)
#   CALLFS_DEV_HTTP_BASE_PORT  node-i serves HTTP on base+i-1        (default 8441)
#   CALLFS_DEV_GRPC_BASE_PORT  node-i serves gRPC on base+i-1        (default 9441)
#   CALLFS_DEV_ETCD_PORT       etcd client port; peer port is +1     (default 23790)
#   CALLFS_DEV_API_KEY         the bearer key every node accepts     (default: a fixed dev key)
#   CALLFS_DEV_READY_TIMEOUT   seconds `up` waits for readiness      (default 60)
#   CALLFS_DEV_SKIP_SETUP=1    skip scripts/setup.sh (tests: never run `npm ci` mid-suite)
#   CALLFS_DEV_S3=0            no S3 server: every node on localfs only   (default 1)
#   CALLFS_DEV_S3_PORT, CALLFS_DEV_S3_BUCKET, CALLFS_DEV_S3_ACCESS_KEY, CALLFS_DEV_S3_SECRET_KEY
#                              the S3 server's settings (see scripts/s3.sh)
# Other CALLFS_* variables (config overrides) are not passed to the nodes, so a developer's
# shell cannot silently change the cluster's ports or keys.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

STATE=${CALLFS_DEV_STATE_DIR:-$ROOT/.callfs-dev}
[[ $STATE == /* ]] || STATE=$PWD/$STATE
STATE=${STATE%/}
MARKER=$STATE/.callfs-dev-cluster # written by `up`; `down` deletes only a dir that has it
PIDS=$STATE/pids
LOGS=$STATE/logs
CONFIGS=$STATE/config
CLUSTER_ENV=$STATE/cluster.env # the ports and key of the running cluster, for status/summary

NODES=(node-1 node-2 node-3)
PREFIX=/callfs/
STOP_GRACE_SECONDS=10

HTTP_BASE=${CALLFS_DEV_HTTP_BASE_PORT:-8441}
GRPC_BASE=${CALLFS_DEV_GRPC_BASE_PORT:-9441}
ETCD_PORT=${CALLFS_DEV_ETCD_PORT:-23790}
API_KEY=${CALLFS_DEV_API_KEY:-dev-key-5f3a9c17e2b84d06a1c9e7f2b3d85a40}
READY_TIMEOUT=${CALLFS_DEV_READY_TIMEOUT:-60}
WITH_S3=${CALLFS_DEV_S3:-1}
S3_PORT=${CALLFS_DEV_S3_PORT:-9000}
S3_BUCKET=${CALLFS_DEV_S3_BUCKET:-callfs-dev}
S3_ACCESS_KEY=${CALLFS_DEV_S3_ACCESS_KEY:-callfs-dev-access}
S3_SECRET_KEY=${CALLFS_DEV_S3_SECRET_KEY:-callfs-dev-secret-key}

say() { printf 'cluster: %s\n' "$*"; }
die() {
  printf 'cluster: %s\n' "$*" >&2
  exit 1
}

# ---------------------------------------------------------------------------------------------
# Processes

# Alive and not a zombie (pid 1 here may never reap orphans, and a zombie still answers kill -0).
is_alive() {
  local pid=$1 stat rest
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  if [[ -r /proc/$pid/stat ]]; then
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    rest=${stat##*) }
    [[ ${rest%% *} != Z ]]
  else
    kill -0 "$pid" 2>/dev/null
  fi
}

# Alive and still the process we started: its command line names a path in our state dir
# (etcd's --data-dir, a node's --config), so a recycled pid is never signalled.
is_ours() {
  local pid=$1
  is_alive "$pid" || return 1
  [[ -r /proc/$pid/cmdline ]] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$STATE/"
}

recorded_pid() { cat "$PIDS/$1.pid" 2>/dev/null || true; }

# Names of the processes with a pid file, etcd last (it must outlive the nodes' shutdown).
recorded_names() {
  local f name names=()
  for f in "$PIDS"/*.pid; do
    [[ -e $f ]] || continue
    name=$(basename "$f" .pid)
    [[ $name == etcd ]] || names+=("$name")
  done
  [[ -e $PIDS/etcd.pid ]] && names+=(etcd)
  printf '%s\n' "${names[@]}"
}

# Starts a command in its own session, detached from this script and its terminal, with output
# to a log. The child writes its own pid before exec'ing the command, so the recorded pid is the
# command's even if setsid had to fork.
launch() {
  local name=$1 log=$2 i
  shift 2
  local pidfile=$PIDS/$name.pid
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
  setsid bash -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pidfile" "$@" \
    </dev/null >>"$log" 2>&1 &
  disown "$!" 2>/dev/null || true # no "Killed" job notices from this shell
  for ((i = 0; i < 100; i++)); do
    [[ -s $pidfile ]] && return 0
    sleep 0.05
  done
  die "$name did not start (no pid file); see $log"
}

# Signals the given processes with SIGTERM, waits up to STOP_GRACE_SECONDS, then SIGKILLs the
# rest. Only recorded pids that are still ours are touched.
stop_processes() {
  local name pid deadline i
  local -a pids=() names=() left=()
  for name in "$@"; do
    pid=$(recorded_pid "$name")
    if is_ours "$pid"; then
      kill -CONT "$pid" 2>/dev/null || true
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
      names+=("$name")
    fi
  done
  ((${#pids[@]} > 0)) || return 0
  say "stopping ${names[*]}"
  deadline=$((SECONDS + STOP_GRACE_SECONDS))
  while :; do
    left=()
    for pid in "${pids[@]}"; do is_alive "$pid" && left+=("$pid"); done
    ((${#left[@]} > 0)) || return 0
    ((SECONDS < deadline)) || break
    sleep 0.2
  done
  for pid in "${left[@]}"; do
    say "pid $pid ignored SIGTERM for ${STOP_GRACE_SECONDS}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  done
  for ((i = 0; i < 25; i++)); do
    left=()
    for pid in "${pids[@]}"; do is_alive "$pid" && left+=("$pid"); done
    ((${#left[@]} > 0)) || return 0
    sleep 0.2
  done
  say "warning: pids ${left[*]} still alive after SIGKILL"
}

stop_all_recorded() {
  local -a names=()
  mapfile -t names < <(recorded_names)
  local -a nodes=() rest=()
  for n in "${names[@]}"; do [[ $n == etcd ]] && rest+=("$n") || nodes+=("$n"); done
  ((${#nodes[@]} == 0)) || stop_processes "${nodes[@]}"
  ((${#rest[@]} == 0)) || stop_processes "${rest[@]}"
  rm -f "$PIDS"/*.pid
}

# Prints "running", "partial" or "stopped" for the recorded processes of this state dir.
cluster_state() {
  local name alive=0 total=0
  while read -r name; do
    [[ -n $name ]] || continue
    total=$((total + 1))
    is_ours "$(recorded_pid "$name")" && alive=$((alive + 1))
  done < <(recorded_names)
  if ((total > 0 && alive == total)); then
    echo running
  elif ((alive > 0)); then
    echo partial
  else
    echo stopped
  fi
}

# ---------------------------------------------------------------------------------------------
# Helpers

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

http_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" 2>/dev/null || true
}

rand_hex() {
  if command -v openssl >/dev/null 2>&1; then
    openssl rand -hex 24
  else
    node -e "process.stdout.write(require('crypto').randomBytes(24).toString('hex'))"
  fi
}

yaml_str() { printf "'%s'" "${1//\'/\'\'}"; }

# Quotes for the printed example commands: plain single quotes when that is unambiguous.
shell_quote() {
  if [[ $1 =~ ^[A-Za-z0-9\ ._~+/=:@%,-]*$ ]]; then printf "'%s'" "$1"; else printf '%q' "$1"; fi
}

check_port_setting() {
  local name=$1 value=$2 span=$3
  if ! [[ $value =~ ^[0-9]+$ ]] || ((value < 1024 || value + span - 1 > 65535)); then
    die "$name=$value: must be a port between 1024 and $((65535 - span + 1))"
  fi
}

show_log_tail() {
  local log=$1
  echo "---- last lines of $log ----" >&2
  tail -n 25 "$log" >&2 2>/dev/null || true
  echo "----" >&2
}

load_cluster_env() {
  # shellcheck disable=SC1090 # written by write_cluster_env
  [[ -r $CLUSTER_ENV ]] && source "$CLUSTER_ENV"
  return 0
}

write_cluster_env() {
  {
    printf 'HTTP_BASE=%q\n' "$HTTP_BASE"
    printf 'GRPC_BASE=%q\n' "$GRPC_BASE"
    printf 'ETCD_PORT=%q\n' "$ETCD_PORT"
    printf 'API_KEY=%q\n' "$API_KEY"
    printf 'WITH_S3=%q\n' "$WITH_S3"
    printf 'S3_PORT=%q\n' "$S3_PORT"
  } >"$CLUSTER_ENV"
}

http_port() { echo $((HTTP_BASE + $1 - 1)); }
grpc_port() { echo $((GRPC_BASE + $1 - 1)); }

write_node_config() {
  local i=$1 id=${NODES[$1 - 1]} internal=$2 links=$3
  local http grpc
  http=$(http_port "$i")
  grpc=$(grpc_port "$i")
  mkdir -p "$STATE/$id/data"
  cat >"$CONFIGS/$id.yaml" <<EOF
# Written by scripts/cluster.sh up; removed by scripts/cluster.sh down.
server:
  listen_addr: $(yaml_str "127.0.0.1:$http")
  external_url: $(yaml_str "http://127.0.0.1:$http")
peer:
  listen_addr: $(yaml_str "127.0.0.1:$grpc")
  advertise_addr: $(yaml_str "127.0.0.1:$grpc")
auth:
  api_keys:
    - $(yaml_str "$API_KEY")
  internal_proxy_secret: $(yaml_str "$internal")
  single_use_link_secret: $(yaml_str "$links")
backend:
  default_backend: $(if [[ $WITH_S3 == 1 && $id == node-3 ]]; then echo s3; else echo localfs; fi)
  localfs_root_path: $(yaml_str "$STATE/$id/data")
$(if [[ $WITH_S3 == 1 ]]; then
    echo "  s3_endpoint: $(yaml_str "http://127.0.0.1:$S3_PORT")"
    echo "  s3_bucket_name: $(yaml_str "$S3_BUCKET")"
    echo "  s3_region: us-east-1"
    echo "  s3_access_key: $(yaml_str "$S3_ACCESS_KEY")"
    echo "  s3_secret_key: $(yaml_str "$S3_SECRET_KEY")"
  fi)
metadata_store:
  type: etcd
  etcd_endpoints:
    - $(yaml_str "http://127.0.0.1:$ETCD_PORT")
  etcd_prefix: $(yaml_str "$PREFIX")
  lease_ttl_seconds: 5
instance_discovery:
  instance_id: $(yaml_str "$id")
log:
  level: info
  format: json
EOF
}

# The environment for the nodes: without CALLFS_* config overrides (CALLFS_DEV_* are ignored by
# the config loader anyway), and with glibc's malloc limited to two arenas as in the production
# unit (docs/operations.md: about 5 MB less resident memory per idle node).
node_env_args() {
  local v
  for v in $(compgen -e); do
    [[ $v == CALLFS_* && $v != CALLFS_DEV_* ]] && printf -- '-u\n%s\n' "$v"
  done
  printf -- 'MALLOC_ARENA_MAX=%s\n' "${MALLOC_ARENA_MAX:-2}"
  return 0
}

# The S3 server lives in $STATE/s3, managed by scripts/s3.sh with the same settings.
s3_script() { CALLFS_DEV_STATE_DIR=$STATE "$ROOT/scripts/s3.sh" "$@"; }
stop_s3() { if [[ -e $STATE/s3 ]]; then s3_script down >/dev/null || true; fi; }

# ---------------------------------------------------------------------------------------------
# Subcommands

ALREADY_RUNNING=0
RESTARTING=""
FOREGROUND=0 # set by `run`, which stops the cluster itself

# Fails `up`: prints why and the relevant log tails, stops what was started, keeps the logs.
abort_up() {
  local why=$1
  shift
  printf 'cluster: %s\n' "$why" >&2
  local log
  for log in "$@"; do show_log_tail "$log"; done
  stop_all_recorded
  stop_s3
  echo "cluster: stopped what was started; logs kept in $LOGS (scripts/cluster.sh down removes them)" >&2
  exit 1
}

cmd_up() {
  if [[ ${CALLFS_DEV_SKIP_SETUP:-0} != 1 ]]; then
    "$ROOT/scripts/setup.sh"
  fi
  command -v etcd >/dev/null 2>&1 || die "etcd is not on the PATH"
  command -v curl >/dev/null 2>&1 || die "curl is required"
  # The nodes run the compiled build (bin/callfs refuses a missing or stale dist/): build it
  # when needed. Building installs nothing, so this runs with CALLFS_DEV_SKIP_SETUP=1 too.
  if ! node "$ROOT/bin/callfs" --version >/dev/null 2>&1; then
    say "building dist/ (npm run build)"
    (cd "$ROOT" && npm run --silent build) || die "npm run build failed"
  fi

  local stale=0
  if [[ -e $MARKER ]]; then
    case $(cluster_state) in
      running)
        load_cluster_env
        say "a cluster is already running from $STATE (see: scripts/cluster.sh status; stop it with: scripts/cluster.sh down)"
        ALREADY_RUNNING=1
        return 0
        ;;
      partial)
        die "a cluster from $STATE is only partly running; run scripts/cluster.sh down first"
        ;;
      *) stale=1 ;;
    esac
  elif [[ -d $STATE && -n $(ls -A -- "$STATE" | grep -vx s3) ]]; then
    die "$STATE exists and was not made by this script; set CALLFS_DEV_STATE_DIR to another folder"
  fi

  check_port_setting CALLFS_DEV_HTTP_BASE_PORT "$HTTP_BASE" ${#NODES[@]}
  check_port_setting CALLFS_DEV_GRPC_BASE_PORT "$GRPC_BASE" ${#NODES[@]}
  check_port_setting CALLFS_DEV_ETCD_PORT "$ETCD_PORT" 2
  [[ $READY_TIMEOUT =~ ^[0-9]+$ ]] || die "CALLFS_DEV_READY_TIMEOUT must be a number of seconds"
  local port
  local -a ports=("$ETCD_PORT" $((ETCD_PORT + 1)))
  for ((i = 1; i <= ${#NODES[@]}; i++)); do ports+=("$(http_port "$i")" "$(grpc_port "$i")"); done
  if [[ $(printf '%s\n' "${ports[@]}" | sort -u | wc -l) -ne ${#ports[@]} ]]; then
    die "the etcd, HTTP and gRPC port ranges overlap: ${ports[*]}"
  fi
  for port in "${ports[@]}"; do
    port_in_use "$port" && die "port $port on 127.0.0.1 is already in use (see the CALLFS_DEV_*_PORT variables)"
  done

  if ((stale)); then
    say "removing the state of a previous cluster that is no longer running ($STATE)"
    stop_s3
    rm -rf -- "$STATE"
  fi

  umask 077 # configs hold the keys
  mkdir -p "$STATE" "$PIDS" "$LOGS" "$CONFIGS"
  : >"$MARKER"
  write_cluster_env

  # Ctrl-C or a kill while starting: stop whatever has been started so far.
  trap 'trap "" INT TERM HUP; abort_up "interrupted"' INT TERM HUP

  local deadline=$((SECONDS + READY_TIMEOUT))
  local etcd_url=http://127.0.0.1:$ETCD_PORT peer_url=http://127.0.0.1:$((ETCD_PORT + 1))
  launch etcd "$LOGS/etcd.log" etcd --name callfs-dev --data-dir "$STATE/etcd" \
    --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
    --listen-peer-urls "$peer_url" --initial-advertise-peer-urls "$peer_url" \
    --initial-cluster "callfs-dev=$peer_url" --logger zap --log-level info
  until curl -fs --max-time 1 "$etcd_url/health" 2>/dev/null | grep -q '"health":"true"'; do
    is_alive "$(recorded_pid etcd)" || abort_up "etcd exited during start-up" "$LOGS/etcd.log"
    ((SECONDS < deadline)) || abort_up "etcd not healthy after ${READY_TIMEOUT}s" "$LOGS/etcd.log"
    sleep 0.2
  done

  if [[ $WITH_S3 == 1 ]]; then
    CALLFS_DEV_S3_PORT=$S3_PORT CALLFS_DEV_S3_BUCKET=$S3_BUCKET \
      CALLFS_DEV_S3_ACCESS_KEY=$S3_ACCESS_KEY CALLFS_DEV_S3_SECRET_KEY=$S3_SECRET_KEY \
      s3_script up >/dev/null || abort_up "the S3 server did not start" "$STATE/s3/s3rver.log"
  fi

  local internal links
  internal=$(rand_hex)
  links=$(rand_hex)
  local -a env_args=()
  mapfile -t env_args < <(node_env_args)
  local id
  for ((i = 1; i <= ${#NODES[@]}; i++)); do
    id=${NODES[i - 1]}
    write_node_config "$i" "$internal" "$links"
    launch "$id" "$LOGS/$id.log" env "${env_args[@]}" \
      node "$ROOT/bin/callfs" server --config "$CONFIGS/$id.yaml"
  done

  local -a waiting=()
  while :; do
    waiting=()
    for ((i = 1; i <= ${#NODES[@]}; i++)); do
      id=${NODES[i - 1]}
      is_alive "$(recorded_pid "$id")" || abort_up "$id exited during start-up" "$LOGS/$id.log"
      [[ $(http_status "http://127.0.0.1:$(http_port "$i")/ready") == 200 ]] || waiting+=("$id")
    done
    ((${#waiting[@]} > 0)) || break
    if ((SECONDS >= deadline)); then
      local -a logs=()
      for id in "${waiting[@]}"; do logs+=("$LOGS/$id.log"); done
      abort_up "not ready after ${READY_TIMEOUT}s: ${waiting[*]}" "${logs[@]}"
    fi
    sleep 0.25
  done
  trap - INT TERM HUP
  print_summary
}

print_summary() {
  local auth q1 etcd_url=http://127.0.0.1:$ETCD_PORT
  auth=$(shell_quote "Authorization: Bearer $API_KEY")
  echo
  echo "CallFS dev cluster is up (state and logs in $STATE)"
  printf '  %-8s %-24s (pid %s)\n' etcd "$etcd_url" "$(recorded_pid etcd)"
  for ((i = 1; i <= ${#NODES[@]}; i++)); do
    printf '  %-8s %-24s grpc 127.0.0.1:%s  (pid %s)\n' "${NODES[i - 1]}" \
      "http://127.0.0.1:$(http_port "$i")" "$(grpc_port "$i")" "$(recorded_pid "${NODES[i - 1]}")"
  done
  echo "  API key  $API_KEY"
  if [[ $WITH_S3 == 1 ]]; then
    printf '  %-8s %-24s bucket %s  (pid %s)\n' s3 "http://127.0.0.1:$S3_PORT" "$S3_BUCKET" \
      "$(cat "$STATE/s3/s3rver.pid" 2>/dev/null || true)"
    echo "           keys $S3_ACCESS_KEY / $S3_SECRET_KEY; node-3 stores new files there (backend s3)"
  fi
  echo
  echo "Try:"
  q1=http://127.0.0.1:$(http_port 1)
  echo "  curl -sS -X POST -H $auth --data-binary 'hello from node-1' $q1/v1/files/hello.txt"
  echo "  curl -sS -H $auth http://127.0.0.1:$(http_port 2)/v1/files/hello.txt"
  echo "  curl -sS -H $auth http://127.0.0.1:$(http_port 3)/v1/files/"
  echo "  etcdctl --endpoints=$etcd_url get --prefix ${PREFIX}nodes/"
  if ((!FOREGROUND)); then
    echo
    echo "Stop it with: scripts/cluster.sh down"
  fi
}

cmd_down() {
  if [[ ! -e $STATE ]]; then
    say "nothing to stop ($STATE does not exist)"
    return 0
  fi
  if [[ ! -e $MARKER ]]; then
    die "$STATE was not made by this script; leaving it alone"
  fi
  stop_all_recorded
  stop_s3
  rm -rf -- "$STATE"
  say "stopped; removed $STATE"
}

cmd_status() {
  if [[ ! -e $MARKER ]]; then
    say "no cluster ($STATE does not exist)"
    return 1
  fi
  load_cluster_env
  local ok=0 name pid state ready
  while read -r name; do
    [[ -n $name ]] || continue
    pid=$(recorded_pid "$name")
    if is_ours "$pid"; then state=alive; else state=dead ok=1; fi
    ready=""
    if [[ $name =~ ^node-([0-9]+)$ ]]; then
      local code
      code=$(http_status "http://127.0.0.1:$(http_port "${BASH_REMATCH[1]}")/ready")
      ready="  /ready ${code:-000} (http://127.0.0.1:$(http_port "${BASH_REMATCH[1]}"))"
      [[ $code == 200 ]] || ok=1
    elif [[ $name == etcd ]]; then
      ready="  http://127.0.0.1:$ETCD_PORT"
    fi
    printf '  %-8s pid %-8s %-6s%s\n' "$name" "$pid" "$state" "$ready"
  done < <(recorded_names)
  if [[ ${WITH_S3:-0} == 1 ]]; then
    CALLFS_DEV_S3_PORT=$S3_PORT s3_script status | sed 's/^/  /' || ok=1
  fi
  return $ok
}

# Waits until node i answers /ready 200, or fails naming its log.
wait_node_ready() {
  local i=$1 id=${NODES[$1 - 1]} deadline=$((SECONDS + READY_TIMEOUT))
  until [[ $(http_status "http://127.0.0.1:$(http_port "$i")/ready") == 200 ]]; do
    if ! is_alive "$(recorded_pid "$id")"; then
      show_log_tail "$LOGS/$id.log"
      die "$id exited during start-up"
    fi
    if ((SECONDS >= deadline)); then
      show_log_tail "$LOGS/$id.log"
      die "$id not ready after ${READY_TIMEOUT}s"
    fi
    sleep 0.25
  done
}

cmd_restart() {
  local id=${1:-} i
  [[ -e $MARKER ]] || die "no cluster ($STATE does not exist); start one with: scripts/cluster.sh up"
  for ((i = 1; i <= ${#NODES[@]}; i++)); do
    [[ ${NODES[i - 1]} == "$id" ]] && break
  done
  ((i <= ${#NODES[@]})) || die "restart: name one node of ${NODES[*]}"
  load_cluster_env
  is_ours "$(recorded_pid etcd)" || die "etcd is not running; run scripts/cluster.sh down, then up"
  [[ -r $CONFIGS/$id.yaml ]] || die "$CONFIGS/$id.yaml is missing"
  if ! node "$ROOT/bin/callfs" --version >/dev/null 2>&1; then
    say "building dist/ (npm run build)"
    (cd "$ROOT" && npm run --silent build) || die "npm run build failed"
  fi
  # `run` (make cluster) stops everything when a process dies: this marker tells it to wait.
  RESTARTING=$PIDS/$id.restarting
  : >"$RESTARTING"
  trap 'rm -f "$RESTARTING"' EXIT
  stop_processes "$id"
  rm -f "$PIDS/$id.pid"
  local -a env_args=()
  mapfile -t env_args < <(node_env_args)
  umask 077
  launch "$id" "$LOGS/$id.log" env "${env_args[@]}" \
    node "$ROOT/bin/callfs" server --config "$CONFIGS/$id.yaml"
  wait_node_ready "$i"
  say "$id restarted (pid $(recorded_pid "$id")), ready at http://127.0.0.1:$(http_port "$i")"
}

cmd_run() {
  FOREGROUND=1
  cmd_up
  if ((ALREADY_RUNNING)); then
    die "not attaching to a cluster this command did not start"
  fi
  echo
  echo "Running in the foreground: press Ctrl-C to stop everything."
  trap 'trap "" INT TERM HUP; echo; cmd_down; exit 0' INT TERM HUP
  local name
  local -a names=()
  mapfile -t names < <(recorded_names)
  while :; do
    sleep 1 &
    wait $! || true
    if [[ ! -e $MARKER ]]; then
      say "the cluster was stopped elsewhere ($STATE is gone)"
      exit 0
    fi
    for name in "${names[@]}"; do
      [[ -e $PIDS/$name.restarting ]] && continue
      if ! is_alive "$(recorded_pid "$name")"; then
        trap "" INT TERM HUP
        say "$name (pid $(recorded_pid "$name")) exited; stopping the cluster"
        show_log_tail "$LOGS/$name.log"
        cmd_down
        exit 1
      fi
    done
  done
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  run) cmd_run ;;
  status) cmd_status ;;
  restart) cmd_restart "${2:-}" ;;
  -h | --help | help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
esac
