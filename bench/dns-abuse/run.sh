#!/usr/bin/env bash
# DNS listeners under abuse: a random-name UDP flood (memory must not grow), 1,000 held TCP connections and 200
# refused beyond the limit, 50 clients that never read their replies; a legitimate client measured throughout.
# Ends with one line: random_qps=N rss_growth_mb=X held_tcp=N refused_tcp=N legit_p99_ms=X stalled_rss_growth_mb=X
# stalled_closed=yes|no failed=N. Usage: bash bench/dns-abuse/run.sh [--seconds S] [--instances N]
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v gcc >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq gcc libc6-dev >/dev/null; }
ulimit -n 8192
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
gcc -O2 -Wall -o "$build/dnsload" bench/dns/dnsload.c
swift build -c release --product fedns 2>&1 | tail -1
exec python3 bench/dns-abuse/bench_dns_abuse.py --fedns "$(swift build -c release --show-bin-path)/fedns" \
    --dnsload "$build/dnsload" "$@"
