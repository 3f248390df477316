#!/usr/bin/env bash
# Discovery benchmark: refresh 10,000 instances over 4 regions from moto; fedns CPU per 1,000 instances and DNS
# latency during a refresh against idle. Usage: bash bench/aws/run.sh [--instances N] [--rate QPS]
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v dnsperf >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq dnsperf >/dev/null; }
python3 -m pip install --quiet --disable-pip-version-check -r Tests/e2e/requirements.txt
swift build -c release --product fedns 2>&1 | tail -1
exec python3 bench/aws/bench_aws.py --fedns "$(swift build -c release --show-bin-path)/fedns" "$@"
