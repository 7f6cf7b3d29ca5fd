#!/usr/bin/env bash
# Engine figures against the fake EvoLink server (run as its own process):
#  1. TASKS tasks in flight with the real, polite polling schedule: polls per task per minute,
#     the engine's CPU and peak memory.
#  2. Saving a 200 MB result over loopback: our download against curl on the same URL, and
#     our extra peak memory.
# Prints figures; asserts nothing. Usage: scripts/bench-engine.sh [TASKS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
TASKS=${1:-200}
SECONDS_RUN=${2:-60}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sora-desk-target}"
KEY=sk-bench-00000000000000
cargo build --release -q -p evolink-mock --bin evolink-mock
cargo build --release -q -p sora-engine --example bench
BIN="$CARGO_TARGET_DIR/release"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

# Starts the fake server in this shell (so it can be stopped) and sets $base to its address.
start_mock() {
  : > "$work/mock.out"
  "$BIN/evolink-mock" --port 0 --key "$KEY" --balance 1000000 "$@" > "$work/mock.out" &
  mock_pid=$!
  for _ in $(seq 100); do grep -q '^http' "$work/mock.out" && break; sleep 0.05; done
  base=$(grep -m1 '^http' "$work/mock.out")
}

echo "== $TASKS tasks in flight for ${SECONDS_RUN} s (generation takes 10 minutes, so none finishes)"
start_mock --time-scale 1 --generation-secs 600
"$BIN/examples/bench" polling "$base" "$KEY" "$TASKS" "$SECONDS_RUN" | tee "$work/polling.txt"
polls=$(curl -s "$base/__mock/counters" | python3 -c 'import json,sys; c=json.load(sys.stdin); print(sum(c["polls_per_task"].values()))')
python3 - "$polls" "$TASKS" "$SECONDS_RUN" <<'PY'
import sys
polls, tasks, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
print(f"polls={polls} polls_per_task_per_minute={polls / tasks / (seconds / 60):.2f} "
      f"(the first look comes after 15 s, then every 8 to 15 s)")
PY
kill "$mock_pid"; wait "$mock_pid" 2>/dev/null || true

echo
echo "== saving a 200 MB result over loopback"
python3 - "$work/big.mp4" <<'PY'
import os, sys
with open(sys.argv[1], "wb") as f:
    f.write(b"\x00\x00\x00\x20ftypisom" + b"\x00" * 20)
    for _ in range(200):
        f.write(os.urandom(1 << 20))
PY
start_mock --time-scale 1000 --media-file "$work/big.mp4"
for i in 1 2 3; do
  "$BIN/examples/bench" download "$base" "$KEY" "$work/ours.part" | tee -a "$work/dl.txt"
done
url=$(sed -n 's/^url=//p' "$work/dl.txt" | head -1)
for i in 1 2 3; do
  /usr/bin/time -f "curl: seconds=%e peak_rss_kib=%M" -o "$work/curl.time" \
    curl -s -A "SoraDesk-bench" -o "$work/curl.out" "$url"
  cat "$work/curl.time" | tee -a "$work/curl.txt"
done
cmp "$work/curl.out" "$work/ours.part" && echo "same bytes as curl"
python3 - "$work/dl.txt" "$work/curl.txt" <<'PY'
import re, statistics, sys
ours = [float(m) for m in re.findall(r"^bytes=\d+ seconds=([\d.]+)", open(sys.argv[1]).read(), re.M)]
extra = [float(m) for m in re.findall(r"extra_peak_mib=([\d.]+)", open(sys.argv[1]).read())]
curl = [float(m) for m in re.findall(r"seconds=([\d.]+)", open(sys.argv[2]).read())]
o, c = statistics.median(ours), statistics.median(curl)
print(f"median: ours {o:.3f} s ({200 / o:.0f} MiB/s), curl {c:.3f} s; ours = {100 * c / o:.0f}% of curl's throughput; "
      f"our extra peak memory {max(extra):.1f} MiB")
PY
