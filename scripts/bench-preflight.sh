#!/usr/bin/env bash
# Side-by-side benchmark of image preflight: ours (release `sora-desk-cli preflight`),
# libvips (`vipsthumbnail`) and ImageMagick (`/usr/bin/convert`), same inputs, same output
# size, JPEG quality 90.
#
#   scripts/bench-preflight.sh [RUNS]      (default 9 runs per tool and input)
#
# Prints, per input and tool, the median wall time and the peak resident memory
# (`/usr/bin/time -f %M`, the largest over the runs), and our time as a ratio of vips'.
# Figures, never asserts: timing belongs in a report, not in a test.
# Needs: cargo, vipsthumbnail (libvips-tools), ImageMagick 6 at /usr/bin/convert, exiftool.
set -euo pipefail

RUNS="${1:-9}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
IM=/usr/bin/convert
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sd-target-preflight}"

for tool in vipsthumbnail "$IM" exiftool /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

echo "building sora-desk-cli (release)..." >&2
(cd "$ROOT" && cargo build --release -q -p sora-desk-cli)
OURS="$CARGO_TARGET_DIR/release/sora-desk-cli"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

echo "making inputs in $WORK..." >&2
# 24 MP camera-like JPEG at quality 92: fractal detail plus a little sensor-like noise.
"$IM" -size 6000x4000 plasma:fractal -blur 0x0.6 -attenuate 0.25 +noise Gaussian \
  -quality 92 -sampling-factor 2x2 photo-24mp.jpg
# 12 MP phone photo stored sideways (4032x3024, EXIF orientation 6 = shown as 3024x4032),
# with the camera EXIF and GPS a phone writes.
"$IM" -size 4032x3024 plasma:fractal -blur 0x0.6 -attenuate 0.25 +noise Gaussian \
  -quality 90 -sampling-factor 2x2 phone-12mp.jpg
exiftool -q -overwrite_original -n -Orientation=6 -Make=Phone -Model=Bench \
  -GPSLatitude=48.85 -GPSLatitudeRef=N -GPSLongitude=2.29 -GPSLongitudeRef=E phone-12mp.jpg
# 16 MP PNG (a big screenshot or render).
"$IM" -size 4000x4000 plasma:fractal -blur 0x1 png24:render-16mp.png

# name | target WxH (upright) | input
inputs=(
  "6000x4000 JPEG q92|1280x720|photo-24mp.jpg"
  "12MP phone JPEG, EXIF 6|720x1280|phone-12mp.jpg"
  "4000x4000 PNG|1280x720|render-16mp.png"
)

# run_tool LABEL CMD...: sets MEDIAN_MS and PEAK_KB
run_tool() {
  local times=() peak=0 i start end kb
  "$@" >/dev/null 2>&1 # warm the page cache and the binary
  for ((i = 0; i < RUNS; i++)); do
    start=$(date +%s%N)
    /usr/bin/time -f %M -o rss.txt "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000 )))
    kb=$(tail -n1 rss.txt)
    (( kb > peak )) && peak=$kb
  done
  MEDIAN_US=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  PEAK_KB=$peak
}

printf '\n%-28s %-14s %10s %10s %10s\n' "input" "tool" "median ms" "peak MiB" "vs vips"
printf '%-28s %-14s %10s %10s %10s\n' "----------------------------" "--------------" "---------" "--------" "-------"
for entry in "${inputs[@]}"; do
  IFS='|' read -r label size file <<<"$entry"
  tw=${size%x*}; th=${size#*x}
  orient=landscape; (( th > tw )) && orient=portrait

  run_tool vipsthumbnail "$file" --size "${size}" --smartcrop centre -o "vips-out.jpg[Q=90,strip]"
  vips_us=$MEDIAN_US; vips_kb=$PEAK_KB
  run_tool "$OURS" preflight "$file" ours-out.jpg --orientation "$orient" --format jpeg
  ours_us=$MEDIAN_US; ours_kb=$PEAK_KB
  run_tool "$IM" "$file" -auto-orient -resize "${size}^" -gravity center -extent "${size}" \
    -strip -quality 90 im-out.jpg
  im_us=$MEDIAN_US; im_kb=$PEAK_KB

  for check in ours-out.jpg vips-out.jpg im-out.jpg; do
    got=$(/usr/bin/identify -format "%wx%h" "$check")
    [ "$got" = "$size" ] || echo "warning: $check is $got, expected $size" >&2
  done

  ratio() { awk -v a="$1" -v b="$vips_us" 'BEGIN { printf "%.2fx", a / b }'; }
  mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
  ms() { awk -v u="$1" 'BEGIN { printf "%.0f", u / 1000 }'; }
  printf '%-28s %-14s %10s %10s %10s\n' "$label" "sora-desk-cli" "$(ms "$ours_us")" "$(mib "$ours_kb")" "$(ratio "$ours_us")"
  printf '%-28s %-14s %10s %10s %10s\n' "" "vipsthumbnail" "$(ms "$vips_us")" "$(mib "$vips_kb")" "1.00x"
  printf '%-28s %-14s %10s %10s %10s\n' "" "ImageMagick" "$(ms "$im_us")" "$(mib "$im_kb")" "$(ratio "$im_us")"
done
echo
echo "runs per cell: $RUNS; machine: $(nproc) cores, $(uname -sm); vips $(vips --version 2>/dev/null | head -1 | cut -d' ' -f1-2 || echo '?')"
