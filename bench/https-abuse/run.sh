#!/usr/bin/env bash
# HTTPS abuse: 1,000 idle TLS connections, slowloris heads, stalled handshakes and a handshake flood (attackers
# reconnect as soon as they are cut) against fedns's federation endpoint, while a keep-alive client (50 requests/s)
# and a new-connection-per-request client (10/s) are measured. Prints the figures as JSON, then one line:
#   idle=N slowloris=N stalled=N flood=N keepalive_p99_ms=X new_conn_p99_ms=Y failed=F rss_growth_mb=M fds_peak=K
# Usage: bash bench/https-abuse/run.sh [SECONDS] [IDLE]      (defaults: 30 s, 1,000 idle connections)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
idle=${2:-1000}
swift build -c release --product fedns >&2
export FEDNS_BIN="$(swift build -c release --show-bin-path)/fedns"
ulimit -n 20000
python3 - "$seconds" "$idle" <<'PY'
import json, sys, tempfile
from pathlib import Path
sys.path.insert(0, "Tests/e2e")
from fedfixtures import seeded_localhost
from httpsabuse import measure

seconds, idle = float(sys.argv[1]), int(sys.argv[2])
server, ca = seeded_localhost(Path(tempfile.mkdtemp(prefix="fedns-abuse-")), "Abuse Root",
                              "idle_timeout = 10\nmax_connections = 4096\n")
server.start()
try:
    figures = measure(server.process.pid, server.https_port, ca, "/federation?type=name&q=bob*localhost",
                      idle=idle, slowloris=200, stalled=200, flood=4, seconds=seconds)
finally:
    server.stop()
print(json.dumps(figures, indent=1))
keep, new = figures["keep_alive"], figures["new_connections"]
print(f"idle={idle} slowloris=200 stalled=200 flood_handshakes={figures['opened']['flood']} "
      f"keepalive_p99_ms={keep['p99_ms']} new_conn_p99_ms={new['p99_ms']} failed={keep['failed'] + new['failed']} "
      f"rss_growth_mb={(figures['rss_peak_kb'] - figures['rss_before_kb']) / 1024:.1f} fds_peak={figures['fds_peak']}")
PY
