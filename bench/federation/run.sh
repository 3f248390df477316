#!/usr/bin/env bash
# Federation HTTPS benchmark: fedns's type=name lookups against nginx serving the same reply as a static file over
# TLS, same certificate and cipher policy, measured interleaved in one run. Prints requests/s, requests per server
# CPU-second, p99 latency (at saturation and at ~2,000 req/s) and new TLS handshakes/s, with fedns/nginx ratios.
# --uncached [N]: also N distinct addresses asked once each (default 100,000) against nginx serving one static file
# per address; --book-memory [N]: RSS and reload time of a running server after a bulk import of N addresses
# (default 1,000,000).
# Usage: bash bench/federation/run.sh [--duration SECONDS] [--rounds N] [--addresses N] [--connections N] [--floors]
#        [--uncached [N]] [--book-memory [N]]
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
for tool in wrk nginx taskset openssl curl; do command -v "$tool" >/dev/null || need+=("$tool"); done
if [ "${#need[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    $sudo_cmd apt-get install -y -qq --no-install-recommends wrk nginx-light util-linux openssl curl >/dev/null
    # The package may start a system nginx on port 80; the benchmark runs its own, on a loopback port.
    ($sudo_cmd systemctl stop nginx 2>/dev/null || $sudo_cmd service nginx stop 2>/dev/null) >/dev/null 2>&1 || true
fi

swift build -c release --product fedns 2>&1 | tail -1
# --floors also measures the stack without fedns (bench/federation/floors: NIO alone, Hummingbird alone).
source bench/floors.sh
floor_arguments bench/federation/floors "$@"
exec python3 bench/federation/bench_federation.py --fedns "$(swift build -c release --show-bin-path)/fedns" "${arguments[@]}"
