#!/usr/bin/env bash
# Companion benchmark: the time ec2ssh adds before ssh starts, with a warm snapshot and with a running fedns,
# against starting the program directly, measured interleaved in one run. Target: under 30 ms added.
# Usage: bash bench/companion/run.sh [--runs N] [--instances N]
set -euo pipefail
cd "$(dirname "$0")/../.."

for product in ec2ssh fedns; do swift build -c release --product "$product" 2>&1 | tail -1; done
exec python3 bench/companion/bench_companion.py --bin "$(swift build -c release --show-bin-path)" "$@"
