#!/usr/bin/env bash
# Upload memory benchmark: streams one large file (default 2 GiB) through the real API (Release build, Kestrel) with
# curl and reports how much the API process' resident memory grew (peak RSS during the upload minus RSS before it).
# Target: < 64 MiB growth whatever the size. Also prints the throughput and checks the stored bytes' SHA-256.
#   bench/upload.sh [SIZE_MIB]          e.g. bench/upload.sh 4096
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
. "$ROOT/deploy/lib/common.sh"
. "$ROOT/deploy/lib/pg.sh"
. "$ROOT/bench/lib.sh"
SIZE_MIB="${1:-2048}"
WORK="$(mktemp -d -t photoapi-bench-upload.XXXXXX)"
API_PID="" PG_TMP=""
cleanup() {
  set +e
  [[ -n $API_PID ]] && kill "$API_PID" 2>/dev/null && wait "$API_PID" 2>/dev/null
  pg_discard
  rm -rf "$WORK"
}
trap cleanup EXIT

PGBIN="$(pg_bindir)"
pg_throwaway "fsync = off" "synchronous_commit = off"

bench_api "$WORK"
curl -sf "$BASE/auth/register" -H 'content-type: application/json' \
  -d '{"username":"bench","password":"Bench-Passw0rd","email":"bench@example.test","displayName":"Bench"}' >/dev/null
TOKEN="$(curl -sf "$BASE/auth/login" -H 'content-type: application/json' -d '{"username":"bench","password":"Bench-Passw0rd"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')"

step "making a ${SIZE_MIB} MiB file"
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom >"$WORK/big.bin"
EXPECTED="$(sha256sum "$WORK/big.bin" | cut -d' ' -f1)"

rss() { awk '/^VmRSS/ {print $2}' "/proc/$API_PID/status"; }
# Warm up the upload path (JIT, pools) with a small file, then measure from a settled baseline.
head -c 1048576 /dev/urandom >"$WORK/small.bin"
curl -sf -H "Authorization: Bearer $TOKEN" -F "file=@$WORK/small.bin" "$BASE/assets" >/dev/null
sleep 1
BEFORE="$(rss)"; PEAK="$BEFORE"
( while kill -0 "$API_PID" 2>/dev/null; do r="$(rss)"; echo "$r"; sleep 0.05; done ) >"$WORK/rss.log" &
SAMPLER=$!

step "uploading"
START=$(date +%s.%N)
RESPONSE="$(curl -sf -H "Authorization: Bearer $TOKEN" -F "file=@$WORK/big.bin;filename=big.bin" "$BASE/assets")"
END=$(date +%s.%N)
kill "$SAMPLER" 2>/dev/null || true
PEAK="$(sort -n "$WORK/rss.log" | tail -n 1)"
ID="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$RESPONSE")"
STORED="$(curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/assets/$ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["checksum"])')"
[[ "$STORED" == "$EXPECTED" ]] || die "stored checksum $STORED != $EXPECTED"
[[ -z "$(find "$WORK/blobs/.staging" -type f)" ]] || die "staging files left behind"   # (folders, e.g. resumable/, are the store's own)

GROWTH_MIB=$(( (PEAK - BEFORE) / 1024 ))
SECONDS_TAKEN="$(python3 -c "print(f'{$END - $START:.1f}')")"
printf '\n%-28s %s\n' "file" "${SIZE_MIB} MiB (sha256 verified)"
printf '%-28s %s s (%s MiB/s)\n' "upload time" "$SECONDS_TAKEN" "$(python3 -c "print(f'{$SIZE_MIB / ($END - $START):.0f}')")"
printf '%-28s %s MiB\n' "API RSS before" "$((BEFORE / 1024))"
printf '%-28s %s MiB\n' "API RSS peak during upload" "$((PEAK / 1024))"
printf '%-28s %s MiB (target < 64 MiB)\n' "growth" "$GROWTH_MIB"
(( GROWTH_MIB < 64 )) || die "memory grew by ${GROWTH_MIB} MiB"
