#!/usr/bin/env bash
# Builds the kernel lab's second root file system: Debian 13 (trixie) with its
# FRR 10.x, nodejs 20, iproute2 and frr-reload.py, made by debootstrap from
# Debian's archive. The lab boots User-Mode Linux on it (LAB_FRR=10) so every
# scenario can run against FRR 10 as well as the host's FRR 8.4.
# LAB_ROOT_SUITE=forky builds a third root (FRR 10.7) the lab runs the fabric's
# leaves and spine from (LAB_LEAF_FRR=10.7): FRR before 10.6 keeps no EVPN
# routes of a restarting peer as a graceful-restart helper.
#
# Built once and reused: the root is kept under $LAB_ROOT_DIR (default
# /var/cache/perouterd-lab) with a stamp naming what it was built from; a
# second call with the same stamp does nothing. Run as root.
set -euo pipefail
SUITE=${LAB_ROOT_SUITE:-trixie}
MIRROR=${LAB_ROOT_MIRROR:-http://deb.debian.org/debian}
BASE=${LAB_ROOT_DIR:-/var/cache/perouterd-lab}
ROOT="$BASE/$SUITE"
PKGS=frr,frr-pythontools,nodejs,iproute2,iputils-ping,kmod,procps,python3,util-linux,hostname,ca-certificates
STAMP="suite=$SUITE pkgs=$PKGS v=1"

if [ -f "$ROOT/.perouterd-lab-root" ] && [ "$(cat "$ROOT/.perouterd-lab-root")" = "$STAMP" ]; then
  echo "lab root $ROOT is up to date"
  exit 0
fi
command -v debootstrap >/dev/null || { apt-get install -y --no-install-recommends debootstrap; }
rm -rf "$ROOT.tmp"
mkdir -p "$BASE"
# minbase, then the few packages the lab runs through apt inside the root:
# debootstrap's own --include cannot order trixie's systemd pre-dependency
# (bookworm's debootstrap 1.0.128 fails on it). No init system is started: the
# lab's own init script is PID 1.
# A suite newer than the host's debootstrap knows (forky on bookworm) is
# bootstrapped with sid's script, which testing's layout matches.
SCRIPT=/usr/share/debootstrap/scripts/$SUITE
[ -e "$SCRIPT" ] || SCRIPT=/usr/share/debootstrap/scripts/sid
debootstrap --variant=minbase "$SUITE" "$ROOT.tmp" "$MIRROR" "$SCRIPT"
printf '#!/bin/sh\nexit 101\n' > "$ROOT.tmp/usr/sbin/policy-rc.d"
chmod +x "$ROOT.tmp/usr/sbin/policy-rc.d"
# Testing's Release file carries a Valid-Until a week ahead; a mirror or a machine whose
# clock runs past it would refuse the suite (stable's has none).
chroot "$ROOT.tmp" apt-get -o Acquire::Check-Valid-Until=false update
DEBIAN_FRONTEND=noninteractive chroot "$ROOT.tmp" apt-get install -y --no-install-recommends ${PKGS//,/ }
chroot "$ROOT.tmp" apt-get clean
# The lab mounts the checkout, its work dir and UML's modules at the same
# paths as on the host; these are the mount points that must exist up front.
mkdir -p "$ROOT.tmp/usr/lib/uml/modules"
# Never start daemons in the chroot's apt hooks; the lab starts FRR itself.
rm -f "$ROOT.tmp/etc/frr/frr.conf"
echo "$STAMP" > "$ROOT.tmp/.perouterd-lab-root"
rm -rf "$ROOT"
mv "$ROOT.tmp" "$ROOT"
echo "lab root built: $ROOT ($(chroot "$ROOT" /usr/lib/frr/zebra --version | head -1), node $(chroot "$ROOT" node --version))"
