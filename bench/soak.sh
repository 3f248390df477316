#!/usr/bin/env bash
# The soak (bench/soak.py): mixed DNS (UDP + TCP) and federation load for MINUTES, a fleet that changes at every
# refresh, SIGHUP every 30 s and certificate rotation every 2 minutes; ends with one line of figures (0 failed
# queries, RSS growth after warm-up, open files). Usage: bash bench/soak.sh MINUTES   (e.g. 30)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product fedns >&2
FEDNS_BIN="$(swift build -c release --show-bin-path)/fedns" exec python3 bench/soak.py "${1:-30}"
