#!/usr/bin/env bash
# Video benchmark: the worker's own video code (Release) against ffprobe/ffmpeg/vipsthumbnail run by hand on the same files.
#
#   bench/videos.sh [SECONDS]      SECONDS of 1080p HEVC for the transcode row (default 20); BENCH_DIR keeps the
#                                  generated inputs between runs (default /tmp/photoapi-bench)
#
# Inputs, generated once with ffmpeg: posters — a 1080p H.264 MP4 (10 s), a 1080p HEVC .mov with a quarter-turn display
# matrix (10 s, as phones record portrait), a 720p VP9 WebM (10 s), a 4K H.264 MP4 (5 s); transcode — SECONDS of 1080p30
# HEVC (x265 "ultrafast" so that making it is quick; testsrc2 with noise, so the encoder has work) with AAC sound.
#   posters  ours   PhotoApi.VideoBench posters → VideoProbe + VideoPoster + VipsImageProcessor.MakeDerivatives, per video
#                   (timed in-process after one warm-up video: a worker is a long-running process)
#            hand   per video: ffprobe -show_format -show_streams (JSON), ffmpeg -ss 10% -frames:v 1 to PNG, then
#                   vipsthumbnail twice (1440 JPEG, 250 WebP) — what the worker does, as separate commands
#   playback ours   PhotoApi.VideoBench transcode → VideoProbe + PlaybackTranscoder (the job's ffmpeg run, its time limit and
#                   prlimit), as a multiple of real time (seconds of video per second)
#            hand   /usr/bin/ffmpeg with exactly the arguments the worker used (printed by the harness), same run
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-20}
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }
for tool in ffmpeg ffprobe vipsthumbnail dotnet; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is missing (deploy/dev.sh installs ffmpeg and libvips-tools)" >&2; exit 1; }
done

cache=${BENCH_DIR:-/tmp/photoapi-bench}/videos-v1-$seconds
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ff() { ffmpeg -hide_banner -nostdin -loglevel error -y "$@"; }

# ---- inputs ---------------------------------------------------------------------------------------------------
if [[ ! -f "$cache/done" ]]; then
  echo "generating the inputs in $cache (x265 takes a while) …" >&2
  rm -rf "$cache"; mkdir -p "$cache/posters"
  src() { echo "testsrc2=s=$1:r=30:d=$2,noise=alls=12:allf=t"; }
  ff -f lavfi -i "$(src 1920x1080 10)" -f lavfi -i sine=d=10 -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -shortest -movflags +faststart "$cache/posters/h264-1080p.mp4"
  ff -f lavfi -i "$(src 1920x1080 10)" -f lavfi -i sine=d=10 -c:v libx265 -preset ultrafast -x265-params log-level=error -tag:v hvc1 -pix_fmt yuv420p -c:a aac -shortest -f mov "$work/hevc.mov"
  ff -i "$work/hevc.mov" -map 0 -c copy -metadata:s:v:0 rotate=90 -f mov "$cache/posters/hevc-1080p-portrait.mov"
  ff -f lavfi -i "$(src 1280x720 10)" -f lavfi -i sine=d=10 -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 2M -c:a libopus -shortest "$cache/posters/vp9-720p.webm"
  ff -f lavfi -i "$(src 3840x2160 5)" -c:v libx264 -preset ultrafast -pix_fmt yuv420p "$cache/posters/h264-2160p.mp4"
  ff -f lavfi -i "$(src 1920x1080 "$seconds")" -f lavfi -i "sine=d=$seconds" -c:v libx265 -preset ultrafast -x265-params log-level=error -tag:v hvc1 \
    -pix_fmt yuv420p -c:a aac -shortest -f mov "$cache/hevc-1080p-$seconds.mov"
  rm -f "$work/hevc.mov"
  touch "$cache/done"
fi
posters=("$cache/posters"/*)
clip="$cache/hevc-1080p-$seconds.mov"

echo "building PhotoApi.VideoBench (Release)…" >&2
dotnet build -c Release --nologo -v q "$root/bench/PhotoApi.VideoBench/PhotoApi.VideoBench.csproj" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
bench_dll="$root/bench/PhotoApi.VideoBench/bin/Release/net10.0/PhotoApi.VideoBench.dll"
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

# ---- posters --------------------------------------------------------------------------------------------------
dotnet "$bench_dll" posters "$work/ours" "${posters[@]}" >"$work/posters.log"
ours_posters=$(sed -n 's/^RESULT videos=[0-9]* seconds=//p' "$work/posters.log")
sed -n '/^RESULT/!p' "$work/posters.log" >&2
mkdir -p "$work/hand"
start=$(now)
for f in "${posters[@]}"; do
  stem=$(basename "${f%.*}")
  json=$(ffprobe -v error -protocol_whitelist file -print_format json -show_format -show_streams -i "$f")
  duration=$(jq -r '.format.duration' <<<"$json" 2>/dev/null || python3 -c 'import json,sys; print(json.load(sys.stdin)["format"]["duration"])' <<<"$json")
  at=$(awk -v d="$duration" 'BEGIN { printf "%.3f", (d >= 2) ? d * 0.1 : 0 }')
  ff -ss "$at" -i "$f" -map 0:V:0 -frames:v 1 -c:v png -compression_level 1 "$work/hand/$stem.png"
  vipsthumbnail -s "1440x1440>" -e srgb -o "$work/hand/%s.jpg[Q=85,strip]" "$work/hand/$stem.png"
  vipsthumbnail -s "250x250>" -e srgb -o "$work/hand/%s.webp[Q=80,strip]" "$work/hand/$stem.png"
done
hand_posters=$(since "$start")
for f in "${posters[@]}"; do
  stem=$(basename "${f%.*}")
  echo "$stem thumbnail (ours, by hand): $(vipsheader -f width "$work/ours/$stem.ours.webp")x$(vipsheader -f height "$work/ours/$stem.ours.webp")" \
       "$(vipsheader -f width "$work/hand/$stem.webp")x$(vipsheader -f height "$work/hand/$stem.webp")" >&2
done

# ---- playback transcode ---------------------------------------------------------------------------------------
dotnet "$bench_dll" transcode "$work/ours.mp4" "$clip" "$work/args" >"$work/transcode.log"
ours_transcode=$(sed -n 's/^RESULT seconds=\([0-9.]*\).*/\1/p' "$work/transcode.log")
duration=$(sed -n 's/^RESULT .*duration=\([0-9.]*\)/\1/p' "$work/transcode.log")
mapfile -t args <"$work/args"
args=("${args[@]/#$work\/ours.mp4/$work/hand.mp4}")
start=$(now)
ffmpeg -hide_banner -nostdin -loglevel error "${args[@]}"
hand_transcode=$(since "$start")
ffprobe -v error -show_entries stream=codec_name,width,height -of csv=p=0 "$work/ours.mp4" | tr '\n' ' ' | sed 's/^/playback copy: /' >&2; echo >&2

# ---- table ----------------------------------------------------------------------------------------------------
n=${#posters[@]}
echo
echo "Video benchmark: $n posters (1080p H.264, 1080p HEVC portrait, 720p VP9, 4K H.264) and a ${duration%.*} s 1080p HEVC transcode"
echo "$(ffmpeg -version | sed -n '1s/ Copyright.*//p'), libvips $(vips --version | sed 's/vips-//'), $(nproc) cores, $(dotnet --version | sed 's/^/.NET SDK /')"
echo
printf '%-28s %14s %14s %8s\n' "" ours "by hand" ratio
printf '%-28s %14s %14s %8s\n' ---------------------------- -------------- -------------- --------
pm_ours=$(awk -v s="$ours_posters" -v n="$n" 'BEGIN { printf "%.0f", s * 1000 / n }')
pm_hand=$(awk -v s="$hand_posters" -v n="$n" 'BEGIN { printf "%.0f", s * 1000 / n }')
poster_ratio=$(awk -v a="$ours_posters" -v b="$hand_posters" 'BEGIN { printf "%.2f", a / b }')
printf '%-28s %11s ms %11s ms %7s×\n' "poster + metadata per video" "$pm_ours" "$pm_hand" "$poster_ratio"
rt_ours=$(awk -v d="$duration" -v s="$ours_transcode" 'BEGIN { printf "%.2f", d / s }')
rt_hand=$(awk -v d="$duration" -v s="$hand_transcode" 'BEGIN { printf "%.2f", d / s }')
transcode_ratio=$(awk -v a="$ours_transcode" -v b="$hand_transcode" 'BEGIN { printf "%.2f", a / b }')
printf '%-28s %13s× %13s× %7s×\n' "playback transcode (speed)" "$rt_ours" "$rt_hand" "$transcode_ratio"
printf '%-28s %12ss %12ss\n' "  wall time" "$ours_transcode" "$hand_transcode"
echo
status=0
for pair in "posters:$poster_ratio" "transcode:$transcode_ratio"; do
  verdict=$(awk -v r="${pair#*:}" 'BEGIN { print (r <= 1.25) ? "within" : "OVER" }')
  [[ $verdict == within ]] || status=1
  echo "${pair%%:*}: ours / by hand = ${pair#*:}× the time (target ≤ 1.25×: $verdict)"
done
exit $status
