#!/usr/bin/env bash
# Installs what the tests need, idempotently: real DNS clients, OpenSSH, the Python test tooling, and the PostgreSQL server
# binaries the address-book tests start their own throwaway server from (any cluster the package starts is unused).
set -euo pipefail
cd "$(dirname "$0")/../.."

apt_packages=(dnsutils knot-dnsutils dnsperf iproute2 openssl curl postgresql procps)
# sshd and clients (the companion commands, the system-chain test), tmux (window titles, completion typed into
# real shells), zsh, fish, rsync (through the ssh_config ec2host writes).
apt_packages+=(openssh-server openssh-client tmux zsh fish rsync)
# NSD and Knot: real secondaries of fedns in the zone-transfer tests (their packaged services are stopped below).
apt_packages+=(nsd knot)
# promtool, which checks and unit-tests deploy/prometheus's alerting rules (the server it also installs is unused).
apt_packages+=(prometheus)
missing=()
for package in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "== apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # The packages may start system instances on port 53; the tests run their own on loopback ports.
    for service in nsd knot; do
        ($sudo_cmd systemctl stop "$service" 2>/dev/null || $sudo_cmd service "$service" stop 2>/dev/null) >/dev/null 2>&1 || true
    done
fi

echo "== pip install -r Tests/e2e/requirements.txt"
python3 -m pip install --quiet --disable-pip-version-check -r Tests/e2e/requirements.txt
