#!/usr/bin/env bash
# Differential testing of fedns against NSD: the same zone served by both, the same generated and mutated queries
# sent to both, every reply compared (bench/dnsdiff/dnsdiff.py). Ends with one line:
#   sent=N identical=N documented=N undocumented=N
# and exits non-zero when any difference is not one of the deliberate deviations in bench/dnsdiff/deviations.py.
# Usage: bash bench/dnsdiff/run.sh [--queries N] [--seed S] [--instances N] [--report FILE] ...
# FEDNS_BIN picks the fedns binary; by default it is built here in release.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v nsd >/dev/null || ! python3 -c "import dns.message" 2>/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    $sudo_cmd apt-get install -y -qq --no-install-recommends nsd python3-dnspython util-linux >/dev/null
    # The package starts a system NSD on port 53; the harness runs its own on a loopback port.
    ($sudo_cmd systemctl stop nsd 2>/dev/null || $sudo_cmd service nsd stop 2>/dev/null) >/dev/null 2>&1 || true
fi

if [ -z "${FEDNS_BIN:-}" ]; then
    swift build -c release --product fedns 2>&1 | tail -1
    FEDNS_BIN="$(swift build -c release --show-bin-path)/fedns"
fi
exec python3 bench/dnsdiff/dnsdiff.py --fedns "$FEDNS_BIN" "$@"
