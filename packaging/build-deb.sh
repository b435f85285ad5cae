#!/usr/bin/env bash
# Builds perouterd_<version>_<arch>.deb from this checkout (run from the repo root).
# The package carries the compiled daemon, its production node_modules and the
# JSON schemas, the systemd units, the FRR daemons file for the router namespace
# and the examples. It depends on Debian's nodejs, frr and frr-pythontools.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(node -p 'require("./package.json").version')
arch=$(dpkg --print-architecture)
out=${1:-build/deb}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

npx tsc -p tsconfig.json
lib="$root/usr/lib/perouterd"
mkdir -p "$lib" "$root/usr/bin" "$root/lib/systemd/system/frr@perouter.service.d" \
  "$root/etc/frr/perouter" "$root/usr/share/doc/perouterd" "$root/var/lib/openperouter/configs" "$root/DEBIAN"
cp -r dist schemas package.json package-lock.json "$lib/"
# Production dependencies from this checkout's node_modules (no download needed).
cp -r node_modules "$lib/"
(cd "$lib" && npm prune --omit=dev --offline --no-audit --no-fund >/dev/null)
rm -f "$lib/package-lock.json"
chmod 755 "$lib/dist/cli/main.js"
ln -s ../lib/perouterd/dist/cli/main.js "$root/usr/bin/perouterd"
cp systemd/perouterd.service systemd/perouterd-netns.service "$root/lib/systemd/system/"
cp systemd/frr@perouter.service.d/perouterd.conf "$root/lib/systemd/system/frr@perouter.service.d/"
cp packaging/frr/daemons "$root/etc/frr/perouter/daemons"
cp -r README.md examples "$root/usr/share/doc/perouterd/"
cat > "$root/DEBIAN/control" <<CONTROL
Package: perouterd
Version: $version
Architecture: $arch
Maintainer: perouterd developers <perouterd@localhost>
Depends: nodejs (>= 20), frr (>= 8.4), frr-pythontools, iproute2
Section: net
Priority: optional
Description: host-level PE router daemon for Kubernetes nodes
 Builds a router network namespace through netlink, runs FRR in it and speaks
 BGP EVPN / VXLAN to the fabric, giving the host L3VNI, L2VNI and passthrough
 overlays from OpenPERouter-compatible static files and CRDs.
CONTROL
printf '/etc/frr/perouter/daemons\n' > "$root/DEBIAN/conffiles"
cat > "$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
# FRR reads its path space as user frr.
if getent passwd frr >/dev/null; then chown -R frr:frr /etc/frr/perouter; fi
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
POSTINST
chmod 755 "$root/DEBIAN/postinst"
mkdir -p "$out"
dpkg-deb --root-owner-group --build "$root" "$out/perouterd_${version}_${arch}.deb" >/dev/null
echo "$out/perouterd_${version}_${arch}.deb"
