#!/usr/bin/env bash
# PhotoApi on several nodes, killed and restarted under load: does anything get lost, duplicated or orphaned?
#
#   deploy/cluster-drill.sh [LOAD_SECONDS]    (default 150, at least 120; add 1 to 5 minutes of build, start and settling)
#
# Starts, each in a temporary folder and on free ports: PostgreSQL (durable: it is restarted), OpenStack Swift with its
# S3 API (deploy/lib/swift.sh), two API processes and two worker processes (Release builds, Blobs:Provider=s3), and
# Debian's haproxy in front (round robin, /health/ready checked every second). bench/PhotoApi.ClusterDrill drives a
# mixed load through haproxy — plain and tus uploads, photo-request uploads, timeline and link reads, shares created
# and revoked — while this script:
#   +20 s  kill -9 worker 1 (mid-job: the assets then processing are noted)   +30 s  starts it again
#   +45 s  kill -9 API 1 (mid-upload: uploads run all the time)                +55 s  starts it again
#   +80 s  restarts PostgreSQL (fast shutdown: every connection is cut)
#   +100 s SIGTERM API 2 (a graceful stop: it drains, haproxy moves on)         +110 s starts it again
# Then the driver waits for the workers to settle and checks: every upload that got a 2xx is an asset whose downloaded
# bytes match; every asset is ready or failed (with a reason) once; after the blob collector and a sweep of stale
# staging, no object in the bucket that no row names, and no multipart upload left. It prints throughput and latency
# per operation, the client errors after each event and when the killed worker's assets were finished, and exits 1
# if any check failed. Not part of `dev.sh test`: it is a drill, run by hand (the README has its figures).
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
# shellcheck source=deploy/lib/common.sh
. "$ROOT/deploy/lib/common.sh"
# shellcheck source=deploy/lib/pg.sh
. "$ROOT/deploy/lib/pg.sh"
# shellcheck source=deploy/lib/swift.sh
. "$ROOT/deploy/lib/swift.sh"

LOAD_SECONDS="${1:-150}"
[[ $LOAD_SECONDS =~ ^[0-9]+$ ]] && ((LOAD_SECONDS >= 120)) || die "LOAD_SECONDS must be a number ≥ 120 (the events run until +110 s)"

WORK="" PG_PW="" PG_PORT="" LB_PORT="" HAPROXY_PID="" DRIVER_PID=""
declare -A PIDS=() PORTS=()

# Stop what this script started, by pid, group by group.
cleanup() {
  local rc=$? name
  set +e
  trap - EXIT
  trap '' INT TERM
  [[ -n $DRIVER_PID ]] && kill -TERM "$DRIVER_PID" 2>/dev/null
  for name in "${!PIDS[@]}"; do stop_proc "$name"; done
  [[ -n $HAPROXY_PID ]] && { kill -TERM -- "-$HAPROXY_PID" 2>/dev/null; wait "$HAPROXY_PID" 2>/dev/null; }
  [[ -n $SWIFT_TMP ]] && swift_stop
  [[ -n $WORK && -d $WORK/pg/data ]] && pg_stop "$WORK/pg/data" immediate
  if [[ -n $WORK ]]; then                     # the logs outlive the run: .local/cluster-drill/
    rm -rf -- "$ROOT/.local/cluster-drill"; mkdir -p "$ROOT/.local/cluster-drill"
    cp -- "$WORK"/*.log "$WORK"/*.txt "$WORK"/*.out "$ROOT/.local/cluster-drill/" 2>/dev/null
    cp -- "$WORK/pg/log" "$ROOT/.local/cluster-drill/postgresql.log" 2>/dev/null
    rm -rf -- "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ms() { date +%s%3N; }
event() { printf '%s %s\n' "$(now_ms)" "$*" >>"$WORK/events.txt"; log "event: $*"; }

# start_proc NAME KIND: an API (kind api) or worker (kind worker) process in a session of its own, logging to WORK/NAME.log.
start_proc() {
  local name=$1 kind=$2
  if [[ $kind == api ]]; then
    setsid env ASPNETCORE_URLS="http://127.0.0.1:${PORTS[$name]}" \
      ForwardedHeaders__Enabled=true ForwardedHeaders__KnownProxies__0=127.0.0.1 \
      PublicUrl="http://127.0.0.1:$LB_PORT" Shutdown__DrainDelay=00:00:03 Shutdown__Timeout=00:00:30 \
      dotnet "$ROOT/api/PhotoApi.Api/bin/Release/net10.0/PhotoApi.Api.dll" >>"$WORK/$name.log" 2>&1 &
  else
    setsid env Worker__WorkerCount=2 Worker__InvisibilityTimeout=00:01:00 Metrics__WorkerPort="${PORTS[$name]}" \
      dotnet "$ROOT/workers/PhotoApi.Workers/bin/Release/net10.0/PhotoApi.Workers.dll" >>"$WORK/$name.log" 2>&1 &
  fi
  PIDS[$name]=$!
}

# stop_proc NAME [SIGNAL]: signal the process group (default TERM) and wait for it; KILL after 45 s.
stop_proc() {
  local name=$1 sig=${2:-TERM} pid=${PIDS[$1]:-} i
  [[ -n $pid ]] || return 0
  kill "-$sig" -- "-$pid" 2>/dev/null || true
  for ((i = 0; i < 225; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "PIDS[$name]"
}

# wait_up NAME PATH: until the process answers PATH on its port (60 s): /health/ready for an API, /metrics for a worker
# (its listener is up once the Hangfire server runs); prints the milliseconds it took.
wait_up() {
  local name=$1 path=$2 start i
  start=$(now_ms)
  for ((i = 0; i < 300; i++)); do
    curl -fsS "http://127.0.0.1:${PORTS[$name]}$path" >/dev/null 2>&1 && { echo "$(($(now_ms) - start))"; return 0; }
    sleep 0.2
  done
  tail -n 30 "$WORK/$name.log" >&2
  die "$name did not start"
}
wait_ready() { wait_up "$1" /health/ready; }
wait_metrics() { wait_up "$1" /metrics; }

processing_assets() { pg_psql "$PG_PORT" "$PG_PW" -d photoapi -tAc "SELECT id FROM assets WHERE status = 'processing'" | tr '\n' ' '; }

# ---------------------------------------------------------------- set up
ensure_apt
ensure_apt_packages haproxy
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1
WORK="$(mktemp -d -t photoapi-drill.XXXXXX)"
chmod 755 "$WORK"

step "dotnet build (Release): API, worker, drill driver"
dotnet build "$ROOT/api/PhotoApi.Api" -c Release -nologo -v:q >/dev/null
dotnet build "$ROOT/workers/PhotoApi.Workers" -c Release -nologo -v:q >/dev/null
dotnet build "$ROOT/bench/PhotoApi.ClusterDrill" -c Release -nologo -v:q >/dev/null

step "PostgreSQL (durable), Swift (S3 API)"
PGBIN="$(pg_bindir)"
mkdir -p "$WORK/pg"
PG_PW="$(gen_password)"; printf '%s\n' "$PG_PW" >"$WORK/pg/password"
pg_own "$WORK/pg"
pg_init "$WORK/pg/data" "$WORK/pg/password" "$WORK/pg" "max_connections = 400" "log_min_messages = warning"
PG_PORT="$(pg_free_port)"
pg_start "$WORK/pg/data" "$PG_PORT" "$WORK/pg/log" || die "PostgreSQL did not start"
pg_psql "$PG_PORT" "$PG_PW" -d postgres -c 'CREATE DATABASE photoapi' >/dev/null
swift_start

export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=$PG_PW;Database=photoapi"
export Blobs__Provider=s3 Blobs__S3__ServiceUrl="$PHOTOAPI_TEST_S3_URL" Blobs__S3__Bucket="$PHOTOAPI_TEST_S3_BUCKET" \
       Blobs__S3__AccessKey="$PHOTOAPI_TEST_S3_ACCESS_KEY" Blobs__S3__SecretKey="$PHOTOAPI_TEST_S3_SECRET_KEY" \
       Blobs__S3__ForcePathStyle=true
export Logging__LogLevel__Default=Warning Logging__LogLevel__PhotoApi=Information

step "2 APIs, 2 workers, haproxy"
LB_PORT="$(pg_free_port)"
for name in api1 api2 worker1 worker2; do PORTS[$name]="$(pg_free_port)"; done
start_proc api1 api; wait_ready api1 >/dev/null     # the first one migrates the database
start_proc api2 api; wait_ready api2 >/dev/null
start_proc worker1 worker; start_proc worker2 worker
wait_metrics worker1 >/dev/null; wait_metrics worker2 >/dev/null
cat >"$WORK/haproxy.cfg" <<EOF
global
  maxconn 1024
defaults
  mode http
  timeout connect 2s
  timeout client 120s
  timeout server 120s
  retries 2
  option redispatch
frontend photoapi
  bind 127.0.0.1:$LB_PORT
  default_backend apis
backend apis
  balance roundrobin
  option httpchk GET /health/ready
  http-check expect status 200
  default-server inter 1s fall 2 rise 1
  server api1 127.0.0.1:${PORTS[api1]} check
  server api2 127.0.0.1:${PORTS[api2]} check
EOF
chmod 644 "$WORK/haproxy.cfg"
if [[ $EUID -eq 0 ]]; then
  setsid runuser -u haproxy -- haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
else
  setsid haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
fi
HAPROXY_PID=$!
for ((i = 0; i < 50; i++)); do curl -fsS "http://127.0.0.1:$LB_PORT/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://127.0.0.1:$LB_PORT/health/ready" >/dev/null || { cat "$WORK/haproxy.log" >&2; die "haproxy does not answer"; }
log "balancer http://127.0.0.1:$LB_PORT → APIs :${PORTS[api1]} :${PORTS[api2]}; workers' metrics :${PORTS[worker1]} :${PORTS[worker2]}"

# ---------------------------------------------------------------- load and events
step "load for $LOAD_SECONDS s, with kills and restarts"
: >"$WORK/events.txt"
DRILL_DB="$ConnectionStrings__Postgres" DRILL_S3_URL="$PHOTOAPI_TEST_S3_URL" DRILL_S3_BUCKET="$PHOTOAPI_TEST_S3_BUCKET" \
DRILL_S3_ACCESS_KEY="$PHOTOAPI_TEST_S3_ACCESS_KEY" DRILL_S3_SECRET_KEY="$PHOTOAPI_TEST_S3_SECRET_KEY" \
  dotnet "$ROOT/bench/PhotoApi.ClusterDrill/bin/Release/net10.0/PhotoApi.ClusterDrill.dll" \
    --base "http://127.0.0.1:$LB_PORT" --seconds "$LOAD_SECONDS" --events "$WORK/events.txt" \
    --fixtures "$ROOT/tests/fixtures/images" --concurrency 6 >"$WORK/driver.out" 2>&1 &
DRIVER_PID=$!
t0=$SECONDS
at() { local t=$1; while ((SECONDS - t0 < t)); do kill -0 "$DRIVER_PID" 2>/dev/null || die "the driver stopped early: $(tail -n 20 "$WORK/driver.out")"; sleep 0.5; done; }

at 20; event kill-worker "$(processing_assets)"; stop_proc worker1 KILL
at 30; start_proc worker1 worker; ms=$(wait_metrics worker1); event worker-back; log "worker1 back after ${ms} ms"
at 45; event kill-api; stop_proc api1 KILL
at 55; start_proc api1 api; ms=$(wait_ready api1); event api-back; log "api1 ready ${ms} ms after its start"
at 80; event restart-postgres
pg_stop "$WORK/pg/data" fast; pg_start "$WORK/pg/data" "$PG_PORT" "$WORK/pg/log" || die "PostgreSQL did not restart"
event postgres-back
at 100; event sigterm-api; stop_proc api2 TERM; log "api2 stopped gracefully"
at 110; start_proc api2 api; ms=$(wait_ready api2); event api-back; log "api2 ready ${ms} ms after its start"

rc=0
wait "$DRIVER_PID" || rc=$?
DRIVER_PID=""
step "results"
cat "$WORK/driver.out"
grep -h -E '(fail|crit|error)' "$WORK"/api*.log "$WORK"/worker*.log 2>/dev/null | sort | uniq -c | sort -rn | head -n 15 >&2 || true
exit "$rc"
