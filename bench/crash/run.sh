#!/usr/bin/env bash
# Crash safety, nothing lost (Tests/e2e/crashsafety.py): kill -9 at random moments during a 100,000-record
# `fedns federation import`, during add/remove bursts and during snapshot writes, TRIALS times each (default 200),
# every outcome checked record by record; ends with one line: crash_trials=N lost=0 import=N burst=N snapshot=N
# (a trial that loses anything stops the run with what it found).
# Usage: bash bench/crash/run.sh [TRIALS] [--scenario import|burst|snapshot|all] [--seed N]
set -euo pipefail
cd "$(dirname "$0")/../.."
trials=${1:-200}
shift || true
swift build -c release --product fedns >&2
FEDNS_BIN="$(swift build -c release --show-bin-path)/fedns" \
    exec python3 Tests/e2e/crashsafety.py --trials "$trials" --workdir "$(mktemp -d /tmp/fedns-crash.XXXXXX)" "$@"
