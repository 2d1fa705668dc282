#!/usr/bin/env bash
# Resumable upload benchmark: one file (default 1024 MiB) through tus (POST /uploads, then PATCHes of CHUNK_MIB,
# default 16 MiB, with curl) behind bench/cutting_proxy.py, which cuts the connection mid-PATCH at 5 points; after each
# cut the client asks HEAD for the server's offset and goes on from there. In the same run, the same file as one plain
# multipart uploadAsset (curl, straight to the API) as the reference. Real API (Release build, Kestrel), throwaway
# PostgreSQL, no worker. Prints, for both: time, MiB/s, bytes sent twice (every byte the client sent, request headers
# included, minus the file's size; at most one chunk per interruption), the API's RSS growth (peak VmRSS during the
# upload minus before it; target < 64 MiB) and whether the stored original's SHA-256 is the file's.
# Exits non-zero if the tus upload does not complete, a hash differs, the 5 cuts did not happen, more than a chunk per
# cut was sent twice, or the growth during the tus upload is 64 MiB or more.
#   bench/resumable.sh [SIZE_MIB]        e.g. bench/resumable.sh 128      CHUNK_MIB=8 bench/resumable.sh
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
. "$ROOT/deploy/lib/common.sh"
. "$ROOT/deploy/lib/pg.sh"
. "$ROOT/bench/lib.sh"
SIZE_MIB="${1:-1024}"
CHUNK_MIB="${CHUNK_MIB:-16}"
CUTS=5
[[ "$SIZE_MIB" =~ ^[1-9][0-9]*$ && "$CHUNK_MIB" =~ ^[1-9][0-9]*$ ]] || die "usage: $0 [SIZE_MIB]  (CHUNK_MIB=N in the environment)"
(( SIZE_MIB >= (CUTS + 1) * CHUNK_MIB )) || die "SIZE_MIB must be at least $(( (CUTS + 1) * CHUNK_MIB )) for $CUTS cuts in different ${CHUNK_MIB} MiB chunks"
SIZE=$((SIZE_MIB * 1024 * 1024)) CHUNK=$((CHUNK_MIB * 1024 * 1024))
WORK="$(mktemp -d -t photoapi-bench-resumable.XXXXXX)"
API_PID="" PROXY_PID="" SAMPLER="" PG_TMP=""
cleanup() {
  set +e
  [[ -n $SAMPLER ]] && kill "$SAMPLER" 2>/dev/null
  [[ -n $PROXY_PID ]] && kill "$PROXY_PID" 2>/dev/null && wait "$PROXY_PID" 2>/dev/null
  [[ -n $API_PID ]] && kill "$API_PID" 2>/dev/null && wait "$API_PID" 2>/dev/null
  pg_discard
  rm -rf "$WORK"
}
trap cleanup EXIT

PGBIN="$(pg_bindir)"
pg_throwaway "fsync = off" "synchronous_commit = off"

bench_api "$WORK"
json() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
login() { curl -sf "$BASE/auth/login" -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"Bench-Passw0rd\"}" | json accessToken; }
curl -sf "$BASE/auth/register" -H 'content-type: application/json' \
  -d '{"username":"bench","password":"Bench-Passw0rd","email":"bench@example.test","displayName":"Bench"}' >/dev/null
TOKEN="$(login bench)"
# The reference upload is another user's: the same owner sending the same bytes again would get the first asset back.
curl -sf "$BASE/admin/users" -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d '{"username":"benchref","password":"Bench-Passw0rd","email":"ref@example.test","displayName":"Reference"}' >/dev/null
REF_TOKEN="$(login benchref)"

step "making a ${SIZE_MIB} MiB file"
head -c "$SIZE" /dev/urandom >"$WORK/big.bin"
EXPECTED="$(sha256sum "$WORK/big.bin" | cut -d' ' -f1)"

# The proxy: cut k of 5 lands in the middle of the chunk holding k/6 of the file.
cut_points=()
for ((k = 1; k <= CUTS; k++)); do cut_points+=($(( SIZE * k / (CUTS + 1) / CHUNK * CHUNK + CHUNK / 2 ))); done
python3 "$ROOT/bench/cutting_proxy.py" "$API_PORT" "$WORK/proxy.stats" "${cut_points[@]}" >"$WORK/proxy.port" 2>"$WORK/proxy.log" &
PROXY_PID=$!
for _ in $(seq 1 50); do [[ -s $WORK/proxy.port ]] && break; sleep 0.1; done
PROXY_BASE="http://127.0.0.1:$(head -n 1 "$WORK/proxy.port")"

TUS=(-H 'Tus-Resumable: 1.0.0')
header() { sed -n "s/^$1: *//Ip" "$2" | tr -d '\r' | tail -n 1; }
# head_offset URL TOKEN: the server's Upload-Offset (waits while an aborted PATCH still holds the upload: 423).
head_offset() {
  local i code
  for i in $(seq 1 100); do
    code="$(curl -sS -I "${TUS[@]}" -H "Authorization: Bearer $2" -D "$WORK/head.h" -o /dev/null -w '%{http_code}' "$1")" || code=000
    [[ $code == 200 ]] && { header Upload-Offset "$WORK/head.h"; return 0; }
    sleep 0.1
  done
  die "HEAD $1 kept answering $code"
}
# tus_upload ORIGIN FILE TOKEN: creates the upload, PATCHes CHUNK bytes at a time from the server's offset, resumes
# from HEAD after a failed PATCH (and after a 409/423: the aborted PATCH may still hold the upload). Sets ASSET_ID, FAILED
# (PATCHes cut off) and REJECTED (409/423 answers).
tus_upload() {
  local origin=$1 file=$2 token=$3 size loc url offset=0 len code rc attempts=0 was
  size="$(stat -c %s "$file")"
  curl -sSf -X POST "${TUS[@]}" -H "Authorization: Bearer $token" -H "Upload-Length: $size" \
    -H "Upload-Metadata: filename $(printf %s "$(basename "$file")" | base64 -w0)" -D "$WORK/post.h" -o /dev/null "$origin/api/v1/uploads"
  loc="$(header Location "$WORK/post.h")"
  [[ $loc == /* ]] || loc="/${loc#*://*/}"   # an absolute Location: keep its path, go on through ORIGIN
  url="$origin$loc"
  ASSET_ID="" FAILED=0 REJECTED=0
  while :; do
    (( ++attempts <= size / CHUNK + 2 * CUTS + 5 )) || die "tus upload did not complete (offset $offset of $size)"
    len=$(( size - offset < CHUNK ? size - offset : CHUNK ))
    # curl's own exit status: dd's SIGPIPE (an answer that came before the whole body was read) is not a cut.
    set +e
    dd if="$file" bs=1M iflag=skip_bytes,count_bytes skip="$offset" count="$len" status=none 2>/dev/null |
      curl -sS -X PATCH -T - "${TUS[@]}" -H "Authorization: Bearer $token" -H "Upload-Offset: $offset" \
        -H 'Content-Type: application/offset+octet-stream' -H "Content-Length: $len" -H 'Transfer-Encoding:' -H 'Expect:' \
        -D "$WORK/patch.h" -o "$WORK/patch.body" -w '%{http_code}' "$url" >"$WORK/patch.code" 2>"$WORK/patch.err"
    rc=${PIPESTATUS[1]}
    set -e
    code="$(<"$WORK/patch.code")"
    if (( rc != 0 )); then
      FAILED=$((FAILED + 1)) was=$offset; offset="$(head_offset "$url" "$token")"
      printf '  PATCH at %s cut off (%s); HEAD: the server has %s of its bytes, resuming at %s\n' \
        "$was" "$(tr -d '\n' <"$WORK/patch.err")" "$((offset - was))" "$offset" >>"$WORK/resumes.log"
      continue
    fi
    case $code in
      204) offset="$(header Upload-Offset "$WORK/patch.h")"
           if (( offset == size )); then ASSET_ID="$(header Asset-Id "$WORK/patch.h")"; return 0; fi ;;
      409|423) REJECTED=$((REJECTED + 1)) was=$offset; sleep 0.1; offset="$(head_offset "$url" "$token")"
               printf '  PATCH at %s answered %s; HEAD: resuming at %s\n' "$was" "$code" "$offset" >>"$WORK/resumes.log" ;;
      *) cat "$WORK/patch.body" >&2; die "PATCH at $offset answered $code" ;;
    esac
  done
}

rss() { awk '/^VmRSS/ {print $2}' "/proc/$API_PID/status"; }
# measure NAME COMMAND...: runs COMMAND while sampling the API's RSS; sets START END BEFORE PEAK.
measure() {
  sleep 1
  BEFORE="$(rss)"
  ( while kill -0 "$API_PID" 2>/dev/null; do rss; sleep 0.05; done ) >"$WORK/rss-$1.log" &
  SAMPLER=$!
  START=$(date +%s.%N)
  "${@:2}"
  END=$(date +%s.%N)
  kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true; SAMPLER=""
  PEAK="$( (cat "$WORK/rss-$1.log"; echo "$BEFORE") | sort -n | tail -n 1)"
}
# stored_sha ID TOKEN: the SHA-256 of the original as the API serves it back (and checks it against the asset's checksum).
stored_sha() {
  local sum listed
  listed="$(curl -sf -H "Authorization: Bearer $2" "$BASE/assets/$1" | json checksum)"
  sum="$(curl -sf -H "Authorization: Bearer $2" "$BASE/assets/$1/original" | sha256sum | cut -d' ' -f1)"
  [[ $sum == "$listed" ]] || { echo "served $sum, listed $listed"; return 0; }
  echo "$sum"
}

# Warm up both paths (JIT, pools) with a small file, straight to the API, then measure from a settled baseline.
head -c 1048576 /dev/urandom >"$WORK/small.bin"
curl -sf -H "Authorization: Bearer $TOKEN" -F "file=@$WORK/small.bin" "$BASE/assets" >/dev/null
tus_upload "http://127.0.0.1:$API_PORT" "$WORK/small.bin" "$REF_TOKEN"
: >"$WORK/resumes.log"

step "tus: ${SIZE_MIB} MiB in ${CHUNK_MIB} MiB PATCHes through the proxy, cut at ${CUTS} points"
measure tus tus_upload "$PROXY_BASE" "$WORK/big.bin" "$TOKEN"
TUS_SECONDS="$(python3 -c "print($END - $START)")" TUS_BEFORE=$BEFORE TUS_PEAK=$PEAK TUS_ID=$ASSET_ID TUS_FAILED=$FAILED TUS_REJECTED=$REJECTED
kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null || true; PROXY_PID=""
read -r SENT PROXY_CUTS <"$WORK/proxy.stats"
TUS_SHA="$(stored_sha "$TUS_ID" "$TOKEN")"

step "reference: the same file as one multipart uploadAsset"
ref_upload() { curl -sf -H "Authorization: Bearer $REF_TOKEN" -F "file=@$WORK/big.bin;filename=big.bin" "$BASE/assets" >"$WORK/ref.json"; }
measure ref ref_upload
REF_SECONDS="$(python3 -c "print($END - $START)")" REF_BEFORE=$BEFORE REF_PEAK=$PEAK
REF_SHA="$(stored_sha "$(json id <"$WORK/ref.json")" "$REF_TOKEN")"
[[ -z "$(find "$WORK/blobs/.staging" -type f 2>/dev/null)" ]] || die "staging files left behind: $(find "$WORK/blobs/.staging" -type f)"

TWICE=$((SENT - SIZE)) BOUND=$((PROXY_CUTS * CHUNK))
TUS_GROWTH=$(( (TUS_PEAK - TUS_BEFORE) / 1024 )) REF_GROWTH=$(( (REF_PEAK - REF_BEFORE) / 1024 ))
mib_s() { python3 -c "print(f'{$SIZE_MIB / $1:.0f}')"; }
sec() { python3 -c "print(f'{$1:.1f}')"; }
ok() { [[ $1 == "$EXPECTED" ]] && echo "✓ equal" || echo "✗ $1"; }
printf '\nfile %s MiB, sha256 %s; tus chunk %s MiB, cuts at %s MiB\n\n' "$SIZE_MIB" "$EXPECTED" "$CHUNK_MIB" \
  "$(for c in "${cut_points[@]}"; do printf '%s ' "$((c / 1048576))"; done | sed 's/ $//; s/ /, /g')"
printf '| upload | time | MiB/s | interruptions | bytes sent twice | API RSS before → peak | growth (target < 64 MiB) | stored SHA-256 = file |\n'
printf '|---|---|---|---|---|---|---|---|\n'
printf '| tus, %s MiB PATCHes, %s cuts | %s s | %s | %s (%s PATCHes cut off, %s answered 409/423) | %s (%s MiB; bound %s × %s MiB = %s MiB) | %s → %s MiB | **%s MiB** | %s |\n' \
  "$CHUNK_MIB" "$CUTS" "$(sec "$TUS_SECONDS")" "$(mib_s "$TUS_SECONDS")" "$PROXY_CUTS" "$TUS_FAILED" "$TUS_REJECTED" "$TWICE" \
  "$(python3 -c "print(f'{$TWICE / 1048576:.1f}')")" "$PROXY_CUTS" "$CHUNK_MIB" "$((BOUND / 1048576))" \
  "$((TUS_BEFORE / 1024))" "$((TUS_PEAK / 1024))" "$TUS_GROWTH" "$(ok "$TUS_SHA")"
printf '| multipart uploadAsset (reference) | %s s | %s | — | — | %s → %s MiB | %s MiB | %s |\n' \
  "$(sec "$REF_SECONDS")" "$(mib_s "$REF_SECONDS")" "$((REF_BEFORE / 1024))" "$((REF_PEAK / 1024))" "$REF_GROWTH" "$(ok "$REF_SHA")"
printf '\ntus resumes:\n'; cat "$WORK/resumes.log"
printf '\ntus / multipart time: %s×\n' "$(python3 -c "print(f'{$TUS_SECONDS / $REF_SECONDS:.2f}')")"

fail=0
[[ $TUS_SHA == "$EXPECTED" ]] || { log "tus: stored SHA-256 differs"; fail=1; }
[[ $REF_SHA == "$EXPECTED" ]] || { log "multipart: stored SHA-256 differs"; fail=1; }
(( PROXY_CUTS == CUTS )) || { log "the proxy cut $PROXY_CUTS times, not $CUTS"; fail=1; }
(( TWICE <= BOUND )) || { log "$TWICE bytes sent twice, more than one chunk per cut ($BOUND)"; fail=1; }
(( TUS_GROWTH < 64 )) || { log "API memory grew by $TUS_GROWTH MiB during the tus upload"; fail=1; }
exit "$fail"
