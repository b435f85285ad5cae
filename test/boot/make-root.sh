#!/usr/bin/env bash
# Builds (once, then cached) a stock Debian root for the boot test:
#   make-root.sh <release> <dir>
# debootstrap from Debian's archive, no third-party repository. Packages the
# perouterd .deb depends on are only downloaded into the root's apt cache (not
# installed), so `apt install ./perouterd_*.deb` inside the test resolves them
# from Debian's own archive without fetching anything again.
set -euo pipefail
release=$1
dir=$2
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
[ -e "$dir/.complete" ] && exit 0
rm -rf "$dir.tmp"
mkdir -p "$(dirname "$dir")"
# systemd as PID 1, dbus for systemctl, iproute2/ping for the test's own checks,
# ifupdown for the second network-manager case.
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,dbus,iproute2,iputils-ping,ifupdown,ca-certificates \
  "$release" "$dir.tmp" "$mirror" >"$dir.log" 2>&1 || { tail -20 "$dir.log" >&2; exit 1; }
cleanup() { umount "$dir.tmp/proc" 2>/dev/null || true; }
trap cleanup EXIT
mount -t proc proc "$dir.tmp/proc"
# networkd is its own package from Debian 13 on; part of systemd before.
extra=""
if chroot "$dir.tmp" apt-cache show systemd-networkd >/dev/null 2>&1; then extra=systemd-networkd; fi
if [ -n "$extra" ]; then
  DEBIAN_FRONTEND=noninteractive chroot "$dir.tmp" apt-get install -y -q --no-install-recommends $extra >>"$dir.log" 2>&1
fi
DEBIAN_FRONTEND=noninteractive chroot "$dir.tmp" apt-get install -y -q --no-install-recommends --download-only \
  nodejs frr frr-pythontools >>"$dir.log" 2>&1
chroot "$dir.tmp" sh -c 'echo perouterd-boot > /etc/hostname; passwd -d root >/dev/null'
umount "$dir.tmp/proc"
trap - EXIT
touch "$dir.tmp/.complete"
mv "$dir.tmp" "$dir"
