#!/usr/bin/env bash
# Regenerate the small picture fixtures used by crates/preflight/tests.
#
#   scripts/make-preflight-fixtures.sh [OUT_DIR]   (default: crates/preflight/tests/fixtures)
#
# Needs ImageMagick 6 (/usr/bin/convert; /usr/local/bin/convert on CI machines is a stand-in),
# exiftool (Debian: libimage-exiftool-perl) and, for HEIC/AVIF, ImageMagick's libheif delegate.
# The outputs are committed, so tests never need these tools; big inputs (bombs, 24 MP photos)
# are generated at test or bench time instead. Deterministic enough for review: ImageMagick is
# told not to write dates, and exiftool edits are fixed values.
set -euo pipefail

OUT="${1:-$(cd "$(dirname "$0")/.." && pwd)/crates/preflight/tests/fixtures}"
IM=/usr/bin/convert
command -v exiftool >/dev/null || { echo "exiftool missing (apt-get install libimage-exiftool-perl)" >&2; exit 1; }
mkdir -p "$OUT"
cd "$OUT"
rm -f ./*.jpg ./*.png ./*.webp ./*.gif ./*.bmp ./*.tif ./*.heic ./*.avif ./*.txt

# Four-colour reference as a viewer should show it (160x120, landscape):
#   top-left red, top-right lime, bottom-left blue, bottom-right yellow.
quadrants() {
  "$IM" -size 80x60 xc:red -size 80x60 xc:lime +append \
        \( -size 80x60 xc:blue -size 80x60 xc:yellow +append \) -append "$@"
}

# 1-8: EXIF orientations. The stored pixels are the reference turned by the inverse of what
# the tag tells a viewer to do, so every file *displays* as the reference.
inverse=( "" "" "-flop" "-rotate 180" "-flip" "-transpose" "-rotate -90" "-transverse" "-rotate 90" )
for o in 1 2 3 4 5 6 7 8; do
  # shellcheck disable=SC2086
  quadrants ${inverse[$o]} -strip -quality 95 "orient-$o.jpg"
  exiftool -q -overwrite_original -n "-IFD0:Orientation=$o" "orient-$o.jpg"
  # Self-check against ImageMagick's own reading of the tag.
  ok=$("$IM" "orient-$o.jpg" -auto-orient -format \
    '%[fx:w==160 && p{5,5}.r>0.8 && p{5,5}.g<0.2 && p{154,5}.g>0.8 && p{154,5}.r<0.2 && p{5,114}.b>0.8 && p{154,114}.b<0.2]' info:)
  [ "$ok" = 1 ] || { echo "orientation $o fixture does not display upright" >&2; exit 1; }
done

# CMYK JPEG (Adobe, as Photoshop writes them): solid red on the left, blue on the right.
"$IM" -size 80x90 xc:red -size 80x90 xc:blue +append -colorspace CMYK -strip -quality 95 cmyk.jpg
# Progressive JPEG.
"$IM" -size 640x480 gradient:orange-purple -interlace Plane -strip -quality 85 progressive.jpg
# Greyscale JPEG.
"$IM" -size 300x200 gradient:white-black -colorspace Gray -strip -quality 85 gray.jpg
# 16-bit PNG (gradient, no alpha).
"$IM" -size 400x300 gradient:red-blue -depth 16 -strip png48:png16.png
# Palette PNG.
"$IM" -size 320x180 xc:red -fill lime -draw "rectangle 160,0 319,179" -strip png8:palette.png
# PNG with alpha: opaque green left half, fully transparent right half.
"$IM" -size 400x300 xc:none -fill lime -draw "rectangle 0,0 199,299" -strip png32:alpha.png
# WebP lossy and lossless.
"$IM" -size 640x360 gradient:cyan-magenta -strip -quality 80 lossy.webp
"$IM" -size 640x360 xc:red -fill blue -draw "rectangle 320,0 639,359" -strip -define webp:lossless=true lossless.webp
# Animated GIF and WebP: a red frame, then a blue one; only the red one must be used.
"$IM" -delay 50 -size 160x90 xc:red xc:blue -loop 0 animated.gif
"$IM" -delay 50 -size 160x90 xc:red xc:blue -loop 0 -define webp:lossless=true animated.webp
# BMP and TIFF.
"$IM" -size 320x240 xc:orange bmp3:plain.bmp
"$IM" -size 320x240 xc:teal -compress lzw plain.tif
# Tiny (3x2) and a 10:1 panorama (red left end, blue right end, green middle).
"$IM" -size 3x2 xc:purple -strip tiny.png
"$IM" -size 200x200 xc:red -size 1600x200 xc:lime -size 200x200 xc:blue +append -strip -quality 90 panorama.jpg

# Already compliant: 1280x720 baseline JPEG without metadata (must come out byte-identical),
# the same with EXIF GPS + XMP + a comment (must lose them, pixels untouched), and a compliant
# PNG carrying a text chunk.
"$IM" -size 1280x720 gradient:navy-gold -strip -quality 80 compliant.jpg
cp compliant.jpg compliant-gps.jpg
exiftool -q -overwrite_original -n -GPSLatitude=48.8584 -GPSLatitudeRef=N -GPSLongitude=2.2945 \
  -GPSLongitudeRef=E "-GPSAreaInformation=SECRET-PLACE" -XMP:Creator=SECRET-NAME \
  -Comment=SECRET-COMMENT -Make=FixtureCam compliant-gps.jpg
"$IM" -size 720x1280 gradient:white-teal -strip compliant-portrait.png
exiftool -q -overwrite_original "-PNG:Comment=SECRET-COMMENT" compliant-portrait.png
"$IM" -size 1280x720 gradient:white-teal -strip -quality 70 compliant.webp

# Not compliant and carrying GPS: must be re-encoded without it.
"$IM" -size 800x600 gradient:gold-navy -strip -quality 85 gps.jpg
exiftool -q -overwrite_original -n -GPSLatitude=35.6586 -GPSLatitudeRef=N -GPSLongitude=139.7454 \
  -GPSLongitudeRef=E "-GPSAreaInformation=SECRET-PLACE" -Make=FixtureCam gps.jpg

# Broken and foreign inputs.
head -c $(( $(stat -c %s progressive.jpg) / 2 )) progressive.jpg > truncated.jpg
: > empty.jpg
printf 'This is a shopping list, not a photo.\nmilk\neggs\n' > text.jpg
"$IM" -size 64x64 xc:orange -quality 50 photo.heic 2>/dev/null \
  || printf '\0\0\0\x18ftypheic\0\0\0\0mif1heic' > photo.heic
"$IM" -size 64x64 xc:orange -quality 50 photo.avif 2>/dev/null \
  || printf '\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf' > photo.avif
# A HEIC named .jpg: the content decides.
cp photo.heic iphone-photo.jpg

ls -l "$OUT"
du -sh "$OUT"
