#!/usr/bin/env bash
# Installs everything perouterd's demo and tests need on a fresh Debian machine (run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
apt-get update
# frr + frr-pythontools: the real router and frr-reload.py; user-mode-linux + kmod: the kernel lab
# (a full 6.1 kernel with VRF, booted with the host files as root); iproute2/iputils: tests look with them;
# debootstrap + systemd-container: the lab's second root and the boot test (stock Debian roots booted
# with systemd-nspawn -b).
apt-get install -y --no-install-recommends frr frr-pythontools user-mode-linux kmod iproute2 iputils-ping util-linux procps python3 \
  debootstrap systemd-container
# The packages (npm run package, packaging/README.md) and their checks: debhelper and
# lintian for the .deb, rpm (rpmbuild) and rpmlint for the .rpm, binutils to strip.
apt-get install -y --no-install-recommends debhelper devscripts lintian rpm rpmlint binutils
# The lab's second root (Debian 13: FRR 10.x), built once and reused (docs/kernel-lab.md).
bash scripts/lab-root.sh
# The third root (Debian forky: FRR 10.7) the fabric's leaves and spine run from in the
# FRR-crash check (LAB_LEAF_FRR=10.7): GR helpers that keep EVPN routes. About 3 min.
LAB_ROOT_SUITE=forky bash scripts/lab-root.sh
npm ci --no-audit --no-fund
