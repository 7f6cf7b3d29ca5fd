#!/usr/bin/env bash
# Engine figures against the fake EvoLink server (run as its own process):
#  1. TASKS paid tasks in flight with the real, polite polling schedule: polls per task per
#     minute, the engine's CPU and peak memory.
#  2. Saving a result over loopback at two sizes (50 and 200 MiB): our download against curl on
#     the same URL, alternated run by run (medians), and our extra peak memory at each size.
# Each figure is printed beside its target; nothing is asserted.
# Usage: scripts/bench-engine.sh [TASKS] [SECONDS] [RUNS]   (defaults 200, 60, 7)
set -euo pipefail
cd "$(dirname "$0")/.."
TASKS=${1:-200}
SECONDS_RUN=${2:-60}
RUNS=${3:-7}
SIZES_MIB=(50 200)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sora-desk-target}"
cargo build --release -q -p evolink-mock --bin evolink-mock
cargo build --release -q -p sora-engine --example bench
BIN="$CARGO_TARGET_DIR/release"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

conditions() {
  echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Starts the fake server in this shell (so it can be stopped) and sets $base to its address.
start_mock() {
  : > "$work/mock.out"
  "$BIN/evolink-mock" --port 0 --balance 1000000 "$@" > "$work/mock.out" &
  mock_pid=$!
  for _ in $(seq 100); do grep -q '^http' "$work/mock.out" && break; sleep 0.05; done
  base=$(grep -m1 '^http' "$work/mock.out")
}

stop_mock() {
  kill "$mock_pid"; wait "$mock_pid" 2>/dev/null || true
}

# The queue lets at most 10 videos of one account be made at once (QueueRules::MOST_ACTIVE):
# TASKS in flight are spread over TASKS/10 accounts, each with its own key.
accounts=$(( (TASKS + 9) / 10 ))
keys=$(for i in $(seq "$accounts"); do printf 'sk-bench-%014d,' "$i"; done)
keys=${keys%,}
key_flags=()
for key in ${keys//,/ }; do key_flags+=(--key "$key"); done

echo "== $TASKS paid tasks in flight for ${SECONDS_RUN} s ($accounts accounts; a generation takes 10 minutes, so none finishes)"
conditions
start_mock "${key_flags[@]}" --time-scale 1 --generation-secs 600
"$BIN/examples/bench" seed-in-flight "$work/data" "$base" "$keys" "$TASKS"
"$BIN/examples/bench" polling "$work/data" "$base" "$keys" "$SECONDS_RUN"
conditions
stop_mock
rm -rf "$work/data"

for size in "${SIZES_MIB[@]}"; do
  echo
  echo "== saving a $size MiB result over loopback: ours and curl alternated, $RUNS runs each"
  python3 - "$work/result.mp4" "$size" <<'PY'
import os, sys
path, mib = sys.argv[1], int(sys.argv[2])
head = b"\x00\x00\x00\x20ftypisom" + b"\x00" * 20
with open(path, "wb") as f:
    f.write(head)
    f.write(os.urandom((mib << 20) - len(head)))
PY
  # A fast clock makes the video at once; its link lives for the whole measurement.
  start_mock --key "${keys%%,*}" --time-scale 1000 --result-ttl 100000000 --media-file "$work/result.mp4"
  rm "$work/result.mp4"
  url=$("$BIN/examples/bench" result-url "$base" "${keys%%,*}")
  echo "url=$url"
  conditions
  : > "$work/ours.txt"; : > "$work/curl.txt"
  ours() {
    rm -f "$work/ours.part"
    "$BIN/examples/bench" download "$url" "$work/ours.part" | tee -a "$work/ours.txt"
  }
  theirs() {
    rm -f "$work/curl.out"
    # curl's own transfer time (like ours, without starting the process); then, for reference
    # only, the time to flush its file to disk as our download does before it reports.
    /usr/bin/time -f "%M" -o "$work/curl.rss" \
      curl -sS -A "SoraDesk-bench" -o "$work/curl.out" -w '%{time_total} %{size_download}\n' "$url" > "$work/curl.w"
    t0=$(date +%s.%N); sync "$work/curl.out"; t1=$(date +%s.%N)
    read -r secs bytes < "$work/curl.w"
    echo "curl: bytes=$bytes seconds=$secs fsync_seconds=$(python3 -c "print(f'{$t1-$t0:.3f}')") peak_rss_kib=$(cat "$work/curl.rss")" \
      | tee -a "$work/curl.txt"
  }
  for run in $(seq "$RUNS"); do
    if (( run % 2 )); then ours; theirs; else theirs; ours; fi
  done
  cmp "$work/curl.out" "$work/ours.part" && echo "same bytes as curl"
  conditions
  stop_mock
  python3 - "$work/ours.txt" "$work/curl.txt" "$size" "$work/extra.txt" <<'PY'
import re, statistics, sys
ours_text, curl_text = open(sys.argv[1]).read(), open(sys.argv[2]).read()
size, extra_file = int(sys.argv[3]), sys.argv[4]
field = lambda name, text: [float(v) for v in re.findall(rf"\b{name}=([\d.]+)", text)]
ours, extra = field("seconds", ours_text), field("extra_peak_mib", ours_text)
curl, fsync = field("seconds", curl_text), field("fsync_seconds", curl_text)
curl_rss = [v / 1024 for v in field("peak_rss_kib", curl_text)]
o, c, f = statistics.median(ours), statistics.median(curl), statistics.median(fsync)
ratio = c / o
met = lambda ok: "met" if ok else "NOT MET"
print(f"ours: median {o:.3f} s = {size / o:.0f} MiB/s (runs: {' '.join(f'{v:.3f}' for v in ours)})")
print(f"curl: median {c:.3f} s = {size / c:.0f} MiB/s (runs: {' '.join(f'{v:.3f}' for v in curl)}); "
      f"peak memory {statistics.median(curl_rss):.1f} MiB (whole process)")
print(f"curl then fsync of its file (reference only): median {c + f:.3f} s = {size / (c + f):.0f} MiB/s")
target = "target at least 95%" if size == 200 else "for comparison (the 95% target is set at 200 MiB)"
print(f"ours / curl throughput, medians: {100 * ratio:.0f}%; {target}: {met(ratio >= 0.95)}")
print(f"fastest runs: ours {min(ours):.3f} s, curl {min(curl):.3f} s ({100 * min(curl) / min(ours):.0f}%)")
print(f"our extra peak memory: median {statistics.median(extra):.1f} MiB, most {max(extra):.1f} MiB; "
      f"target under 20 MiB: {met(max(extra) < 20)}")
with open(extra_file, "a") as out:
    out.write(f"{size} {statistics.median(extra)} {max(extra)}\n")
PY
done

echo
python3 - "$work/extra.txt" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1])]
(small, small_med, small_max), (big, big_med, big_max) = [
    (int(s), float(m), float(x)) for s, m, x in rows[:2]]
grows = big_med - small_med
# Memory that grew with the file would add its size; what the allocator keeps varies by a
# megabyte or two from run to run, whatever the size.
print(f"extra peak memory, medians: {small_med:.1f} MiB at {small} MiB, {big_med:.1f} MiB at {big} MiB "
      f"({grows:+.1f} MiB for {big - small} MiB more file; most {small_max:.1f} and {big_max:.1f} MiB); "
      f"target flat in the size (within 2 MiB): {'met' if grows < 2.0 else 'NOT MET'}")
PY
