#!/usr/bin/env bash
# DNS benchmark: fedns against NSD, Knot and gdnsd serving the same generated zone, measured interleaved in one run
# with our own load generator (bench/dns/dnsload.c) on the other core. Prints, per server, UDP queries/s at
# saturation and per server CPU-second, TCP pipelined and one-query-per-connection queries/s, p99 latency at 20k
# queries/s and memory, with fedns's ratios to each; flags rounds where the generator, not the server, was the limit.
# Ends with one line: udp_qps_ratio=X udp_eff_ratio=Y tcp_ratio=Z client_limited=yes|no (fedns/NSD, medians).
# Usage: bash bench/dns/run.sh [--duration SECONDS] [--rounds N] [--names N] [--floors] [--batches 1,8,32,64]
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
for tool in nsd knotd gdnsd dig taskset gcc; do command -v "$tool" >/dev/null || need+=("$tool"); done
if [ "${#need[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    $sudo_cmd apt-get install -y -qq --no-install-recommends nsd knot gdnsd dnsutils util-linux gcc libc6-dev >/dev/null
    # The packages start system instances on port 53; the benchmark runs its own, on loopback ports.
    for service in nsd knot gdnsd; do
        ($sudo_cmd systemctl stop "$service" 2>/dev/null || $sudo_cmd service "$service" stop 2>/dev/null) >/dev/null 2>&1 || true
    done
fi

build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
gcc -O2 -Wall -o "$build/dnsload" bench/dns/dnsload.c
swift build -c release --product fedns 2>&1 | tail -1
# --floors also measures the stack without fedns (bench/dns/floors: SwiftNIO alone, a recvmmsg/sendmmsg loop alone).
source bench/floors.sh
floor_arguments bench/dns/floors "$@"
python3 bench/dns/bench_dns.py --fedns "$(swift build -c release --show-bin-path)/fedns" --dnsload "$build/dnsload" \
    "${arguments[@]}"
