#!/usr/bin/env bash
# Regenerates the two small sample clips that the fake EvoLink server (evolink-mock) hands out
# as "finished" videos: one landscape 1280x720 and one portrait 720x1280, 4 seconds, H.264,
# yuv420p, faststart, low bitrate so each stays well under 200 KB. They are committed, so this
# only needs to run when they should change. Needs ffmpeg with libx264.
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/crates/evolink-mock/assets"
mkdir -p "$out"
make_clip() { # name width height
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc2=size=${2}x${3}:rate=24:duration=4" \
    -c:v libx264 -preset veryslow -profile:v main -pix_fmt yuv420p \
    -b:v 200k -maxrate 260k -bufsize 520k -x264-params "keyint=48:min-keyint=48" \
    -movflags +faststart -an -map_metadata -1 -fflags +bitexact -flags:v +bitexact \
    "$out/$1.mp4"
  size=$(stat -c %s "$out/$1.mp4")
  echo "$out/$1.mp4: ${2}x${3}, $size bytes"
  if [ "$size" -ge 200000 ]; then echo "too big: $1.mp4" >&2; exit 1; fi
}
make_clip landscape 1280 720
make_clip portrait 720 1280
