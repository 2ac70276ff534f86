#!/usr/bin/env bash
#
# scripts/measure.sh: the foundation's figures — binary size, time from start to a healthy /healthz
# (first start on an empty DATA_DIR, then restarts), and idle resident memory. Prints one line each.
# Uses the embedded default (SQLite + local objects) in a temporary directory, on a free local port.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
bin=$work/thanhtra
go build -o "$bin" ./server
CGO_ENABLED=0 go build -ldflags='-s -w' -o "$work/stripped" ./server
printf 'binary size: %s bytes (%s bytes stripped, CGO_ENABLED=0)\n' "$(stat -c %s "$bin")" "$(stat -c %s "$work/stripped")"
port=$((20000 + RANDOM % 20000))
for run in first-start restart restart; do
	start=$(date +%s%N)
	DATA_DIR=$work/data ADDR=127.0.0.1:$port "$bin" 2>"$work/log" &
	pid=$!
	until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.005; done
	end=$(date +%s%N)
	printf 'start to healthy (%s): %d ms\n' "$run" $(((end - start) / 1000000))
	sleep 3
	printf 'idle RSS after 3 s: %s\n' "$(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
	kill "$pid"
	wait "$pid" || true
done
