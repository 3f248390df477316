#!/usr/bin/env bash
# Fleet benchmark: 100 accounts x 30 regions (role_arn profiles into 100 moto accounts) refreshed by one fedns;
# calls, wall time and fedns CPU per refresh for several max_concurrency values, ending with one key=value line.
# Usage: bash bench/aws/fleet.sh [--accounts N] [--regions N] [--concurrency 8,16,32,64] [--latency S] [--rounds N]
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m pip install --quiet --disable-pip-version-check -r Tests/e2e/requirements.txt
swift build -c release --product fedns 2>&1 | tail -1
exec python3 bench/aws/bench_fleet.py --fedns "$(swift build -c release --show-bin-path)/fedns" "$@"
