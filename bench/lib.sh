# shellcheck shell=bash
# What the upload benchmarks share: the Release API on the throwaway PostgreSQL of pg_throwaway (deploy/lib/pg.sh).
# Sourced; expects $ROOT, common.sh and pg.sh.

# bench_api WORK: build and start the Release API (no worker) on PG_PORT/PG_PASSWORD, blobs in WORK/blobs, its log in
# WORK/api.log; waits until it is ready. Sets API_PID, API_PORT and BASE (…/api/v1).
bench_api() {
  local work=$1
  step "building the API (Release)"
  dotnet build "$ROOT/api/PhotoApi.Api" -c Release -nologo -v:q >/dev/null
  API_PORT="$(pg_free_port)"
  export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=$PG_PASSWORD;Database=postgres"
  export Blobs__Root="$work/blobs" ASPNETCORE_URLS="http://127.0.0.1:$API_PORT" Logging__LogLevel__Default=Warning
  dotnet "$ROOT/api/PhotoApi.Api/bin/Release/net10.0/PhotoApi.Api.dll" >"$work/api.log" 2>&1 &
  API_PID=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$API_PORT/health/ready" >/dev/null && break; sleep 0.2; done
  curl -sf "http://127.0.0.1:$API_PORT/health/ready" >/dev/null || { cat "$work/api.log"; die "API did not become ready"; }
  BASE="http://127.0.0.1:$API_PORT/api/v1"
}
