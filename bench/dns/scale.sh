#!/usr/bin/env bash
# Zone size against fedns and NSD: 1,000, 10,000, 100,000 and 1,000,000 instances of a synthetic fleet, NSD loading
# the equivalent zone files. Per size: fedns's zone compile time, start to first answer, RSS/PSS and UDP queries/s
# for both, with the targets of issue 14 beside them. Writes bench/dns/scale.md (the table) and bench/dns/scale.svg
# (the plot). How each figure is taken: bench_scale.py.
# Usage: bash bench/dns/scale.sh [--sizes 1000,10000,100000,1000000] [--duration SECONDS] [--starts N] [--reloads N]
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
for tool in nsd taskset gcc; do command -v "$tool" >/dev/null || need+=("$tool"); done
if [ "${#need[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    $sudo_cmd apt-get install -y -qq --no-install-recommends nsd util-linux gcc libc6-dev >/dev/null
    ($sudo_cmd systemctl stop nsd 2>/dev/null || $sudo_cmd service nsd stop 2>/dev/null) >/dev/null 2>&1 || true
fi

build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
gcc -O2 -Wall -o "$build/dnsload" bench/dns/dnsload.c
swift build -c release --product fedns 2>&1 | tail -1
python3 bench/dns/bench_scale.py --fedns "$(swift build -c release --show-bin-path)/fedns" --dnsload "$build/dnsload" "$@"
