#!/usr/bin/env bash
# Regenerates every icon size the bundles need from the one source image, icons/icon.svg.
# Run it after editing the SVG and commit the results (builds read the generated files).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/tauri ] || npm install --no-audit --no-fund
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node_modules/.bin/tauri icon icons/icon.svg --output "$tmp" >/dev/null 2>&1
# Keep the desktop sizes; the mobile and Windows Store variants are not shipped.
for f in 32x32.png 64x64.png 128x128.png 128x128@2x.png icon.png icon.icns icon.ico; do
  cp "$tmp/$f" "icons/$f"
done
echo "icons regenerated from icons/icon.svg"
