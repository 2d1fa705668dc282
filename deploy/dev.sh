#!/usr/bin/env bash
# PhotoApi developer / CI entry point.
#
#   deploy/dev.sh run          local stack: PostgreSQL (persistent, .local/pg) +
#                              worker (background) + API (until Ctrl-C)
#   deploy/dev.sh test [ARGS]  lint openapi.yaml, check generated clients,
#                              `dotnet test` against a throwaway PostgreSQL, then
#                              the web app's type-check, build and browser tests,
#                              and the tus-js-client tests (tests/tus-client);
#                              ARGS go to dotnet test (e.g. --filter Category=Unit)
#                              and skip the browser and tus client tests
#   deploy/dev.sh test-web [ARGS]  only the web app's checks and browser tests;
#                              ARGS go to playwright test (e.g. e2e/share-link.spec.ts)
#
# Both first "ensure" the machine: apt packages (PostgreSQL, libvips, heif-enc,
# exiftool, ImageMagick; Chromium and a font for the browser tests) and
# tools/node_modules; the web app's clients/web/node_modules (npm ci) need
# Node.js 20.19+ with npm. Works from any cwd.
#
# Environment knobs:
#   PHOTOAPI_PG_PORT  port of the `run` cluster (default 55432)
#   PHOTOAPI_PG_DIR   where the `run` cluster lives (default $ROOT/.local/pg)
#   ASPNETCORE_URLS   API listen URLs for `run` (default http://127.0.0.1:8080)
#   PHOTOAPI_WEB_NO_BUILD=1     test-web: reuse the Release build of API + worker
#   PHOTOAPI_WEB_SCREENSHOTS=1  browser tests write e2e/screenshots (tracked PNGs)
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
# shellcheck source=deploy/lib/common.sh
. "$ROOT/deploy/lib/common.sh"
# shellcheck source=deploy/lib/pg.sh
. "$ROOT/deploy/lib/pg.sh"
# shellcheck source=deploy/lib/web.sh
. "$ROOT/deploy/lib/web.sh"
# shellcheck source=deploy/lib/tus.sh
. "$ROOT/deploy/lib/tus.sh"
# shellcheck source=deploy/lib/swift.sh
. "$ROOT/deploy/lib/swift.sh"
# shellcheck source=deploy/lib/prometheus.sh
. "$ROOT/deploy/lib/prometheus.sh"

# State the EXIT trap cleans up; each part only if it was set.
WORKER_PID="" API_PID="" PG_DATA="" PG_TMP="" WEB_TMP="" TEST_PG_PORT="" TEST_PG_PASSWORD=""

# Stop a process started with `setsid` (its pid is its process-group id):
# SIGTERM to the whole group (dotnet run + the app), SIGKILL after 15 s.
stop_group() {
  local pid=$1 name=$2 i
  kill -0 -- "-$pid" 2>/dev/null || return 0
  log "stopping $name"
  kill -TERM -- "-$pid" 2>/dev/null || true
  for ((i = 0; i < 75; i++)); do
    kill -0 -- "-$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  # Best effort from here: a dead stdout/stderr (e.g. `dev.sh run | tee`, where
  # Ctrl-C also killed tee) must not abort the cleanup half-way.
  set +e
  trap - EXIT
  trap '' INT TERM PIPE     # finish cleaning up even on a second Ctrl-C
  [[ -n $API_PID ]] && stop_group "$API_PID" "API"
  [[ -n $WORKER_PID ]] && stop_group "$WORKER_PID" "worker"
  [[ -n $WEB_TMP ]] && rm -rf -- "$WEB_TMP"   # a browser-test folder whose build or stack start failed
  [[ -n $SWIFT_TMP ]] && swift_stop           # the S3 server of `test`
  if [[ -n $PG_TMP ]]; then                  # throwaway: no need to be gentle
    pg_stop "$PG_TMP/data" immediate
    rm -rf -- "$PG_TMP"
  elif [[ -n $PG_DATA ]]; then
    log "stopping PostgreSQL ($PG_DATA)"
    pg_stop "$PG_DATA" fast
  fi
  # In CI, don't leave MSBuild/Roslyn build servers running after the script.
  if [[ -n ${CI:-} ]] && command -v dotnet >/dev/null 2>&1; then
    dotnet build-server shutdown >/dev/null 2>&1 || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- run
cmd_run() {
  ensure
  PGBIN="$(pg_bindir)"
  local dir="${PHOTOAPI_PG_DIR:-$ROOT/.local/pg}" port="${PHOTOAPI_PG_PORT:-55432}" pw
  local data="$dir/data" log="$dir/log/postgresql.log"
  mkdir -p "$dir/log" "$ROOT/.local/blobs"
  if [[ ! -s "$dir/password" ]]; then       # generated once, with the cluster
    [[ ! -f "$data/PG_VERSION" ]] || die "$dir/password is missing but $data exists: delete $dir to start over"
    (umask 077; gen_password >"$dir/password")
  fi
  chmod 600 "$dir/password"
  pw="$(<"$dir/password")"
  pg_own "$dir"

  step "PostgreSQL cluster in $data"
  if [[ ! -f "$data/PG_VERSION" ]]; then
    pg_init "$data" "$dir/password" "$dir"
  elif [[ "$(<"$data/PG_VERSION")" != "$(basename "$(dirname "$PGBIN")")" ]]; then
    die "$data is PostgreSQL $(<"$data/PG_VERSION") but the binaries are $PGBIN: delete $dir to start over"
  fi
  PG_DATA="$data"                            # from here on, stop it on exit
  if pg_is_running "$data"; then
    port="$(pg_running_port "$data")"
    log "reusing running cluster on port $port"
  else
    pg_start "$data" "$port" "$log" || { tail -n 20 "$log" >&2 || true; die "PostgreSQL did not start (port $port busy? set PHOTOAPI_PG_PORT)"; }
  fi
  if [[ -z "$(pg_psql "$port" "$pw" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'photoapi'")" ]]; then
    pg_psql "$port" "$pw" -d postgres -c 'CREATE DATABASE photoapi'
  fi

  export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$port;Username=postgres;Password=$pw;Database=photoapi"
  export PHOTOAPI_BLOB_ROOT="$ROOT/.local/blobs"
  export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://127.0.0.1:8080}"
  export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
  export DOTNET_ENVIRONMENT="${DOTNET_ENVIRONMENT:-$ASPNETCORE_ENVIRONMENT}"

  step "dotnet build (Debug)"
  dotnet build "$(solution_file)" -c Debug -nologo
  web_build                                  # clients/web/dist, which the API serves on every non-API path
  export WebApp__Root="$WEB_DIR/dist"

  # Each app gets its own session (setsid) so we can stop it as a group; the
  # launch profile is skipped so ASPNETCORE_URLS above is what the API uses.
  step "starting worker and API"
  cd "$ROOT"
  setsid dotnet run --no-build --no-launch-profile --project workers/PhotoApi.Workers &
  WORKER_PID=$!
  setsid dotnet run --no-build --no-launch-profile --project api/PhotoApi.Api &
  API_PID=$!
  local base="${ASPNETCORE_URLS%%;*}"
  log "Web app:  $base/   API: $base/api/v1   (docs: $base/docs)"
  log "Postgres: 127.0.0.1:$port (user postgres, password in $dir/password), db photoapi"
  log "Blobs:    $PHOTOAPI_BLOB_ROOT"
  log "Ctrl-C stops the API, the worker and PostgreSQL."

  # Until Ctrl-C, or until either app exits by itself (then stop the rest).
  local rc=0
  wait -n "$API_PID" "$WORKER_PID" || rc=$?
  kill -0 "$API_PID" 2>/dev/null || log "API exited (status $rc)"
  kill -0 "$WORKER_PID" 2>/dev/null || log "worker exited (status $rc)"
  exit "$rc"
}

# ---------------------------------------------------------------- test
# Throwaway cluster: fresh temp dir, random free port, tuned for speed (no
# durability), deleted by the EXIT trap. Sets PHOTOAPI_TEST_DB.
start_throwaway_pg() {
  PGBIN="$(pg_bindir)"
  PG_TMP="$(mktemp -d -t photoapi-pg.XXXXXX)"
  local pw port attempt
  pw="$(gen_password)"
  printf '%s\n' "$pw" >"$PG_TMP/password"
  pg_own "$PG_TMP"
  pg_init "$PG_TMP/data" "$PG_TMP/password" "$PG_TMP" \
    "fsync = off" "synchronous_commit = off" "full_page_writes = off" \
    "max_connections = 300" "log_min_messages = warning"
  for attempt in 1 2 3 4 5; do               # retry if someone grabs the port
    port="$(pg_free_port)"
    pg_start "$PG_TMP/data" "$port" "$PG_TMP/postgresql.log" && break
    ((attempt < 5)) || { tail -n 20 "$PG_TMP/postgresql.log" >&2 || true; die "throwaway PostgreSQL did not start"; }
  done
  pg_psql "$port" "$pw" -d postgres -tAc 'SELECT 1' >/dev/null || die "cannot connect to throwaway PostgreSQL"
  export PHOTOAPI_TEST_DB="Host=127.0.0.1;Port=$port;Username=postgres;Password=$pw;Database=postgres"
  TEST_PG_PORT="$port" TEST_PG_PASSWORD="$pw"
  log "throwaway PostgreSQL $(basename "$(dirname "$PGBIN")") on 127.0.0.1:$port ($PG_TMP)"
}

# Sum the TRX counters and print one plain closing line: "tests: N passed, N failed, N skipped".
summarize_trx() {
  local f line k passed=0 failed=0 skipped=0
  declare -A c
  while IFS= read -r -d '' f; do
    line="$(grep -o '<Counters [^>]*>' "$f" | head -n 1)" || continue
    for k in total executed passed failed error timeout aborted; do
      c[$k]="$(sed -n "s/.* $k=\"\([0-9]*\)\".*/\1/p" <<<"$line")"
    done
    passed=$((passed + ${c[passed]:-0}))
    failed=$((failed + ${c[failed]:-0} + ${c[error]:-0} + ${c[timeout]:-0} + ${c[aborted]:-0}))
    skipped=$((skipped + ${c[total]:-0} - ${c[executed]:-0}))   # skipped = not executed
  done < <(find "$1" -name '*.trx' -print0 2>/dev/null)
  printf '\ntests: %d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
  ((failed == 0)) || print_trx_failures "$1"
}

# After the counters, each failed test again with its message and the top of its stack, so the
# end of a long log (all a CI page may keep) says what failed.
print_trx_failures() {
  find "$1" -name '*.trx' -print0 2>/dev/null | xargs -0 -r python3 -c '
import sys, xml.etree.ElementTree as ET
for path in sys.argv[1:]:
    for r in ET.parse(path).getroot().iter():
        if not r.tag.endswith("UnitTestResult") or r.get("outcome") in ("Passed", "NotExecuted"):
            continue
        text = lambda tag: next((e.text or "" for e in r.iter() if e.tag.endswith(tag)), "")
        print("\nFAILED " + r.get("testName", "?") + " [" + r.get("outcome", "?") + "]")
        for line in text("Message").strip().splitlines()[:15]:
            print("  " + line)
        for line in text("StackTrace").strip().splitlines()[:8]:
            print("  " + line)
' || true
}

cmd_test() {
  ensure
  export MSBUILDDISABLENODEREUSE=1
  export PATH="$ROOT/tools/node_modules/.bin:$PATH"
  cd "$ROOT"

  step "redocly lint openapi.yaml"
  [[ -f openapi.yaml ]] || die "openapi.yaml not found in $ROOT"
  local config="$ROOT/tools/redocly.yaml"
  [[ -f "$ROOT/redocly.yaml" ]] && config="$ROOT/redocly.yaml"
  redocly lint openapi.yaml --config "$config"

  if [[ -f clients/generate.sh ]]; then
    step "clients/generate.sh + staleness check"
    bash clients/generate.sh
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
      if ! git diff --exit-code --stat -- clients/ ||
         [[ -n "$(git status --porcelain --untracked-files=all -- clients/)" ]]; then
        git status --short -- clients/ >&2
        die "generated clients are stale: run clients/generate.sh and commit"
      fi
    else
      log "not a git checkout: skipping the generated-clients diff"
    fi
  fi

  step "throwaway PostgreSQL"
  start_throwaway_pg
  step "throwaway Swift (S3 API) for the S3 blob store's tests"
  swift_start                                # exports PHOTOAPI_TEST_S3_*; fails the run if it cannot start
  prometheus_ensure                          # exports PHOTOAPI_TEST_PROMETHEUS; the telemetry test starts it

  step "dotnet test (Release) $*"
  local results="$ROOT/TestResults/dev-sh" rc=0
  rm -rf -- "$results"
  dotnet test "$(solution_file)" -c Release --results-directory "$results" \
    --logger "console;verbosity=normal" --logger trx "$@" || rc=$?
  summarize_trx "$results"
  ((rc == 0)) || die "dotnet test failed (exit $rc)"
  # A focused run (ARGS given) is a dotnet test run; the whole run goes on to the browser tests.
  (($# == 0)) || return 0
  run_tus_tests "$PHOTOAPI_TEST_DB" "$TEST_PG_PORT" "$TEST_PG_PASSWORD"
  run_web_tests "$PHOTOAPI_TEST_DB" "$TEST_PG_PORT" "$TEST_PG_PASSWORD"
}

# Only the web app: throwaway PostgreSQL, the Release API and worker, then the browser tests.
cmd_test_web() {
  ensure
  export MSBUILDDISABLENODEREUSE=1
  cd "$ROOT"
  if [[ -z ${PHOTOAPI_WEB_NO_BUILD:-} ]]; then   # set it to reuse the Release build already there
    step "dotnet build (Release) API + worker"
    dotnet build api/PhotoApi.Api/PhotoApi.Api.csproj -c Release -nologo -v:q
    dotnet build workers/PhotoApi.Workers/PhotoApi.Workers.csproj -c Release -nologo -v:q
  fi
  step "throwaway PostgreSQL"
  start_throwaway_pg
  run_web_tests "$PHOTOAPI_TEST_DB" "$TEST_PG_PORT" "$TEST_PG_PASSWORD" "$@"
}

case "${1:-}" in
  run)  shift; cmd_run "$@" ;;
  test) shift; cmd_test "$@" ;;
  test-web) shift; cmd_test_web "$@" ;;
  *)    sed -n '2,25s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
