#!/usr/bin/env bash
# Thumbnail benchmark: the worker's own imaging code against vipsthumbnail and ImageMagick on the same files.
#
#   bench/thumbnails.sh [N]        N large JPEGs and N HEICs (default 12); BENCH_DIR keeps the generated inputs
#                                  between runs (default /tmp/photoapi-bench)
#
# Inputs, generated once: N JPEGs of 6000x4000 (24 MP, gradient + noise, quality 85–92, about 7 MB each, tagged with
# a Display P3 profile, every other one with EXIF Orientation 6) and N HEICs of 4032x3024 (an iPhone's 12 MP,
# x265 "ultrafast" so that encoding them takes seconds, also Display P3). Every tool makes, for every file, what the
# worker makes: a 250 px WebP thumbnail (quality 80) and a 1440 px JPEG preview (quality 85), upright, converted to
# sRGB, never upscaled, metadata stripped:
#   ours           PhotoApi.Bench → VipsImageProcessor.MakeDerivatives, one image at a time (timed in-process after
#                  one warm-up image: a worker is a long-running process); "ours ×2" runs two jobs at once as the
#                  worker does with Worker__WorkerCount=2
#   vipsthumbnail  two passes over the files (1440 JPEG, then 250 WebP), libvips 8.14 options: auto-rotation is the
#                  default there (--rotate is a deprecated no-op), -e srgb, [strip] (which 8.14's webpsave ignores);
#                  "1440 only" is its first pass alone, the stricter yardstick (ours decodes once for both outputs)
#   imagemagick    /usr/bin/convert once per file, decoding once (+clone), -define jpeg:size for shrink-on-load,
#                  -auto-orient, -profile sRGB (the profile libvips embeds), -strip
# Peak RSS comes from GNU time (%M) around each run: for "ours" it includes the .NET runtime.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-12}
[[ "$count" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [N]" >&2; exit 2; }
CONVERT=/usr/bin/convert   # not the first `convert` on PATH, which may be a stand-in

if [[ ! -x /usr/bin/time ]]; then
  echo "installing GNU time…" >&2
  if [[ $(id -u) -eq 0 ]]; then apt-get install -y -qq time >/dev/null; else sudo apt-get install -y -qq time >/dev/null; fi
fi
for tool in "$CONVERT" heif-enc exiftool vips vipsthumbnail dotnet; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is missing (deploy/dev.sh installs imagemagick libheif-examples libimage-exiftool-perl libvips-tools)" >&2; exit 1; }
done

cache=${BENCH_DIR:-/tmp/photoapi-bench}/inputs-v1-$count
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---- inputs ---------------------------------------------------------------------------------------------------
exiftool -icc_profile -b "$root/tests/fixtures/images/p3.jpg" > "$work/p3.icc"
if [[ ! -f "$cache/done" ]]; then
  echo "generating $count JPEGs (6000x4000) and $count HEICs (4032x3024) in $cache …" >&2
  rm -rf "$cache"; mkdir -p "$cache/jpeg" "$cache/heic"
  "$CONVERT" -size 6000x4000 gradient:navy-orange -attenuate 0.5 +noise Gaussian -quality 92 "$work/base.jpg"
  vips thumbnail "$work/base.jpg" "$work/base12.v" 4032 --height 3024 --crop centre
  ops=(copy "flip horizontal" "flip vertical" "rot d180")
  for ((i = 1; i <= count; i++)); do
    name=$(printf 'img%02d' "$i")
    op=${ops[$(( (i - 1) % 4 ))]}
    if [[ $op == copy ]]; then vips copy "$work/base.jpg" "$work/v.v"; else vips ${op%% *} "$work/base.jpg" "$work/v.v" ${op#* }; fi
    vips jpegsave "$work/v.v" "$cache/jpeg/$name.jpg" --Q $(( 85 + i % 8 ))
    if [[ $op == copy ]]; then vips copy "$work/base12.v" "$work/h.v"; else vips ${op%% *} "$work/base12.v" "$work/h.v" ${op#* }; fi
    vips jpegsave "$work/h.v" "$work/h.jpg" --Q 95
    orientation=(); (( i % 2 == 0 )) && orientation=(-Orientation#=6)
    exiftool -q -overwrite_original "-ICC_Profile<=$work/p3.icc" -Make=Apple "-Model=iPhone 15" \
      "-DateTimeOriginal=2024:05:01 10:20:$(printf %02d "$i")" "${orientation[@]}" "$cache/jpeg/$name.jpg" "$work/h.jpg"
    heif-enc -q 50 -p preset=ultrafast -o "$cache/heic/$name.heic" "$work/h.jpg" >/dev/null
  done
  rm -f "$work"/*.v
  touch "$cache/done"
fi
# The sRGB profile libvips converts to, for ImageMagick's -profile.
vips thumbnail "$root/tests/fixtures/images/p3.jpg" "$work/srgb-tagged.jpg" 16 --export-profile srgb
exiftool -icc_profile -b "$work/srgb-tagged.jpg" > "$work/srgb.icc"

echo "building PhotoApi.Bench (Release)…" >&2
dotnet build -c Release --nologo -v q "$root/bench/PhotoApi.Bench/PhotoApi.Bench.csproj" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
bench_dll="$root/bench/PhotoApi.Bench/bin/Release/net10.0/PhotoApi.Bench.dll"

# ---- runs -----------------------------------------------------------------------------------------------------
declare -A ms rss
rows=()
# measure KEY COMMAND… — runs under GNU time; sets $elapsed (s) and $peak (KB).
measure() {
  local key=$1; shift
  if ! /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/$key.log" 2>&1; then
    echo "$key failed:" >&2; cat "$work/$key.log" >&2; exit 1
  fi
  read -r elapsed peak < <(tail -n 1 "$work/time")
}
record() { # KEY TOOL FORMAT SECONDS PEAK_KB
  ms[$1]=$(awk -v s="$4" -v n="$count" 'BEGIN { printf "%.1f", s * 1000 / n }')
  rss[$1]=$(( $5 / 1024 ))
  rows+=("$1|$2|$3")
}
check_outputs() { # DIR SUFFIX — every input got both outputs
  local made; made=$(find "$1" -name "*.$2.jpg" -o -name "*.$2.webp" | wc -l)
  (( made == 2 * count )) || { echo "$2 made $made files, expected $(( 2 * count ))" >&2; exit 1; }
}

for format in jpeg heic; do
  files=("$cache/$format"/*)

  for jobs in 1 2; do
    out="$work/ours-$format-$jobs"; mkdir -p "$out"
    measure "ours-$format-$jobs" dotnet "$bench_dll" --out "$out" --parallel "$jobs" "${files[@]}"
    seconds=$(sed -n 's/^RESULT images=[0-9]* seconds=//p' "$work/ours-$format-$jobs.log")
    check_outputs "$out" ours
    label=ours; (( jobs == 2 )) && label="ours, 2 jobs"
    record "ours-$format-$jobs" "$label" "$format" "$seconds" "$peak"
  done

  out="$work/vt-$format"; mkdir -p "$out"
  measure "vt-$format" bash -c '
    out=$1; shift
    vipsthumbnail -s "1440x1440>" -e srgb -o "$out/%s.vt.jpg[Q=85,strip]" "$@"
    vipsthumbnail -s "250x250>" -e srgb -o "$out/%s.vt.webp[Q=80,strip]" "$@"' _ "$out" "${files[@]}"
  check_outputs "$out" vt
  record "vt-$format" vipsthumbnail "$format" "$elapsed" "$peak"

  # The stricter yardstick: vipsthumbnail's 1440 pass alone (one decode, like ours, but one output only).
  out="$work/vt1-$format"; mkdir -p "$out"
  measure "vt1-$format" vipsthumbnail -s "1440x1440>" -e srgb -o "$out/%s.vt1.jpg[Q=85,strip]" "${files[@]}"
  record "vt1-$format" "  1440 only" "$format" "$elapsed" "$peak"

  out="$work/im-$format"; mkdir -p "$out"
  measure "im-$format" bash -c '
    convert=$1 out=$2 srgb=$3; shift 3
    for f in "$@"; do
      stem=$(basename "${f%.*}")
      "$convert" -define jpeg:size=2880x2880 "$f" -auto-orient -profile "$srgb" -strip \
        \( +clone -resize "1440x1440>" -quality 85 -write "$out/$stem.im.jpg" +delete \) \
        -resize "250x250>" -quality 80 "$out/$stem.im.webp"
    done' _ "$CONVERT" "$out" "$work/srgb.icc" "${files[@]}"
  check_outputs "$out" im
  record "im-$format" imagemagick "$format" "$elapsed" "$peak"

  # What a user would see: the same upright size from every tool.
  probe=$(basename "${files[1]:-${files[0]}}"); probe=${probe%.*}
  sizes=""
  for pair in "ours-$format-1:ours" "vt-$format:vt" "im-$format:im"; do
    sizes+="$(vipsheader -f width "$work/${pair%%:*}/$probe.${pair#*:}.jpg")x$(vipsheader -f height "$work/${pair%%:*}/$probe.${pair#*:}.jpg") "
  done
  echo "$format preview of $probe (ours, vipsthumbnail, imagemagick): $sizes" >&2
done

# ---- table ----------------------------------------------------------------------------------------------------
echo
echo "Thumbnail benchmark: $count × JPEG 6000x4000 and $count × HEIC 4032x3024 → 250 px WebP + 1440 px JPEG each"
echo "libvips $(vips --version | sed 's/vips-//'), $(/usr/bin/convert -version | sed -n '1s/Version: ImageMagick \([^ ]*\).*/ImageMagick \1/p'), $(nproc) cores, $(dotnet --version | sed 's/^/.NET SDK /')"
echo
printf '%-14s %-6s %10s %12s %14s\n' tool format images/s "ms/image" "peak RSS MB"
printf '%-14s %-6s %10s %12s %14s\n' -------------- ------ ---------- ------------ --------------
for row in "${rows[@]}"; do
  IFS='|' read -r key tool format <<<"$row"
  rate=$(awk -v m="${ms[$key]}" 'BEGIN { printf "%.2f", 1000 / m }')
  printf '%-14s %-6s %10s %12s %14s\n' "$tool" "$format" "$rate" "${ms[$key]}" "${rss[$key]}"
done
echo
status=0
for format in jpeg heic; do
  ratio=$(awk -v a="${ms[ours-$format-1]}" -v b="${ms[vt-$format]}" 'BEGIN { printf "%.2f", a / b }')
  verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.25) ? "within" : "OVER" }')
  [[ $verdict == within ]] || status=1
  single=$(awk -v a="${ms[ours-$format-1]}" -v b="${ms[vt1-$format]}" 'BEGIN { printf "%.2f", a / b }')
  echo "$format: ours / vipsthumbnail = ${ratio}× per image (target ≤ 1.25×: $verdict); ours (both outputs) / vipsthumbnail's 1440 pass alone = ${single}×"
done
exit $status
