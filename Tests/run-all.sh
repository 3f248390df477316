#!/usr/bin/env bash
# Every test of fedns, on a fresh Debian machine with Swift 6.3 installed: installs what the tests need (Debian
# packages and PyPI pins), builds, runs the Swift unit tests, then the end-to-end tests against the built binary
# with real clients (dig, kdig, dnspython, ...). This is the README's test command; .ci/run calls exactly it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash Tests/setup/install-test-deps.sh

echo "== build (debug, with tests)"
swift build --build-tests

echo "== unit tests (Swift Testing)"
swift test --skip-build

# The end-to-end tests run the optimised binary people deploy: Swift's optimiser has miscompiled code here that
# passed every debug test (see the history of Sources/Inventory/Refresh/InventoryRefresher.swift).
echo "== build (release: fedns and the companion commands)"
swift build -c release

echo "== end-to-end tests (real clients against the release binary)"
FEDNS_BIN="$(swift build -c release --show-bin-path)/fedns" python3 -m pytest -q -p no:cacheprovider Tests/e2e
