#!/usr/bin/env bash
# Launch figure with its floor: Sora Desk (release) from process start to the gallery painted
# with cards, over a store of 10,000 tasks, against a bare Tauri app (benches/bare-tauri, same
# tauri, same release profile) from process start to its page painted. Both are launched
# alternately by tauri-driver + WebKitWebDriver on the same virtual display (with_desktop) and
# measured by the same probe (tests/bench/launch.mjs). Prints figures; asserts nothing.
#
# Usage: scripts/bench-launch.sh [RUNS]   (launches of each app, default 7)
#   BENCH_JSON=FILE keeps every figure as JSON; BENCH_TRACE=0 skips the two launches under strace.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/setup.sh
source scripts/lib/setup.sh
RUNS=${1:-7}
TASKS=10000

# What the measuring needs (installed only when missing, as scripts/test-all does).
setup_for_app
install_packages xvfb xauth webkit2gtk-driver strace
install_tauri_driver
command -v node >/dev/null || install_packages nodejs

BIN="$CARGO_TARGET_DIR/release"
build() {
  local start=$SECONDS
  say "$1"
  shift
  cargo build --release --locked "$@"
  echo "  ($((SECONDS - start)) s)"
}
# Each on its own, so each gets exactly the features it gets when built alone: the app as
# scripts/lib/installers.sh's `tauri build` compiles it (the default features include
# custom-protocol, the embedded ui/), without bundling.
build "Release build: Sora Desk" --bin sora-desk
build "Release build: the bare Tauri app" -p bare-tauri --bin bare-tauri
build "Release build: the fake EvoLink server and the store seeder" \
  -p evolink-mock --bin evolink-mock -p sora-engine --example seed_store

work=$(mktemp -d)
# On a failure, the end of what tauri-driver, WebKitWebDriver and the fake server said.
finish() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ -f "$work/bench.log" ]; then tail -n 40 "$work/bench.log" >&2; fi
  rm -rf "$work"
}
trap finish EXIT
# The same seeder as `cargo run -p sora-engine --example seed_store -- DIR 10000 LIBRARY SAMPLE`.
say "Seeding a store with $TASKS tasks"
"$BIN/examples/seed_store" "$work/data" "$TASKS" "$work/library" crates/evolink-mock/assets/landscape.mp4

say "Launching each app $RUNS times, alternately (load: $(cut -d' ' -f1-3 /proc/loadavg))"
SORA_DESK_BIN="$BIN/sora-desk" BARE_TAURI_BIN="$BIN/bare-tauri" EVOLINK_MOCK_BIN="$BIN/evolink-mock" \
  BENCH_DATA_DIR="$work/data" BENCH_LIBRARY_DIR="$work/library" BENCH_RUNS="$RUNS" \
  BENCH_LOG="$work/bench.log" BENCH_JSON="${BENCH_JSON:-}" TAURI_DRIVER="$(command -v tauri-driver)" \
  with_desktop node tests/bench/launch.mjs
