#!/usr/bin/env bash
# DNS benchmark: fedns against NSD serving the same 1,000-name zone, measured interleaved in one run.
# Prints QPS, queries per server CPU-second, p99 latency at a fixed rate and RSS, with fedns/NSD ratios.
# Usage: bash bench/dns/run.sh [--duration SECONDS] [--rounds N]
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
for tool in nsd dnsperf taskset; do command -v "$tool" >/dev/null || need+=("$tool"); done
if [ "${#need[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq nsd dnsperf util-linux >/dev/null
    # The packaged NSD starts a system instance on port 53; the benchmark runs its own.
    (systemctl stop nsd 2>/dev/null || service nsd stop 2>/dev/null || pkill -x nsd) >/dev/null 2>&1 || true
fi

swift build -c release --product fedns 2>&1 | tail -1
exec python3 bench/dns/bench_dns.py --fedns "$(swift build -c release --show-bin-path)/fedns" "$@"
