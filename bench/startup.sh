#!/usr/bin/env bash
# Start-up time of `embargo serve`, measured from process start to the first
# 200 from /readyz: on an empty data directory (creates the key, the
# database, applies migrations) and on a second start that reuses them.
# The baseline is `embargo version` in the same run: the cost of starting
# the binary at all. Prints milliseconds as medians of RUNS runs.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-15}
PORT=${PORT:-18080}
bin=$(mktemp -d)/embargo
go build -o "$bin" ./cmd/embargo

now_ms() { date +%s%3N; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

time_version() {
  local t0 t1; t0=$(now_ms); "$bin" version >/dev/null; t1=$(now_ms); echo $((t1 - t0))
}

# time_serve DIR: ms until /readyz answers 200, then stop the server.
time_serve() {
  local dir=$1 t0 t1 pid
  t0=$(now_ms)
  EMBARGO_DATA_DIR="$dir" EMBARGO_LISTEN="127.0.0.1:$PORT" "$bin" serve >/dev/null 2>&1 &
  pid=$!
  until curl -fsS -o /dev/null "http://127.0.0.1:$PORT/readyz" 2>/dev/null; do sleep 0.002; done
  t1=$(now_ms)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo $((t1 - t0))
}

base=(); cold=(); warm=()
for _ in $(seq "$RUNS"); do
  base+=("$(time_version)")
  d=$(mktemp -d)
  cold+=("$(time_serve "$d/embargo-data")")
  warm+=("$(time_serve "$d/embargo-data")")
  rm -rf "$d"
done
b=$(printf '%s\n' "${base[@]}" | median)
c=$(printf '%s\n' "${cold[@]}" | median)
w=$(printf '%s\n' "${warm[@]}" | median)
echo "runs=$RUNS"
echo "baseline (embargo version): ${b} ms"
echo "first start, empty data dir, to /readyz 200: ${c} ms"
echo "second start, same data dir, to /readyz 200: ${w} ms"
awk -v b="$b" -v c="$c" -v w="$w" 'BEGIN { if (b < 1) b = 1; printf "ratios: first/baseline %.1fx, second/baseline %.1fx, first/second %.2fx\n", c/b, w/b, c/w }'
