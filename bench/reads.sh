#!/usr/bin/env bash
# Read-path benchmark: every list the clients page through (timeline and its filters, partner library, trash, albums,
# public link, the Sharing pages, album list, Shared Space folder, folder list) timed through the real API (Release,
# Kestrel) with wrk, one request at a time and at 32 connections, on a small setup (1,000 photos) alone and again once a
# large setup (200,000 photos, a 10,000-entry album, 200 shared albums, a 50,000-file Shared Space folder) and 1,000,000
# rows of other users are in the same database; each path's page query, as the endpoint ran it, replayed by pgbench with
# 32 clients beside it; JIT on against off; the EXPLAIN (ANALYZE, BUFFERS) of the timeline at full size.
#   bench/reads.sh                       the whole run (about 15–20 minutes on 2 cores)
#   BENCH_DURATION=2 BENCH_SCALE=0.05 bench/reads.sh     a quick check of the pipeline (seconds per run, fraction of rows)
# Targets per path: ratio max(p50 small, p50 large at 1M rows) / p50 small on the empty database ≤ 1.5; p50 one at a
# time ≤ 10 ms at 1M rows; requests/s at 32 connections ≥ 50% of pgbench's on the same SQL. The report (markdown) is
# printed and kept in $BENCH_OUT (default /tmp/photoapi-bench-reads.md); beside it the queries replayed
# ($BENCH_OUT.queries.json, as logged and inlined) and wrk's own output ($BENCH_OUT.wrk.log).
# The page queries come from the API's list-query log (Diagnostics:ListQueryLog); the timed runs use an API started
# without it. PostgreSQL runs with its defaults plus fsync and synchronous_commit off, as bench/upload.sh.
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
. "$ROOT/deploy/lib/common.sh"
. "$ROOT/deploy/lib/pg.sh"
WORK="$(mktemp -d -t photoapi-bench-reads.XXXXXX)"
trap 'set +e; pg_discard; rm -rf "$WORK"' EXIT

ensure_apt_packages "${APT_PACKAGES[@]}" "${BENCH_APT_PACKAGES[@]}"
command -v dotnet >/dev/null 2>&1 || die "dotnet SDK not found on PATH"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_GENERATE_ASPNET_CERTIFICATE=false

PGBIN="$(pg_bindir)"
pg_throwaway "fsync = off" "synchronous_commit = off"

step "building the API (Release)"
dotnet build "$ROOT/api/PhotoApi.Api" -c Release -nologo -v:q >/dev/null

export BENCH_ROOT="$ROOT" BENCH_WORK="$WORK" BENCH_API_DLL="$ROOT/api/PhotoApi.Api/bin/Release/net10.0/PhotoApi.Api.dll"
export PGBIN PGPORT="$PG_PORT" PGPASSWORD="$PG_PASSWORD"
export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=$PG_PASSWORD;Database=postgres"
export Blobs__Root="$WORK/blobs"
step "seeding and timing"
python3 "$ROOT/bench/reads/run.py"
BENCH_OUT="${BENCH_OUT:-/tmp/photoapi-bench-reads.md}"
cp "$WORK/report.md" "$BENCH_OUT"
cp "$WORK/queries.json" "$BENCH_OUT.queries.json"
cp "$WORK/wrk.log" "$BENCH_OUT.wrk.log"
step "report kept in $BENCH_OUT (total $SECONDS s)"
