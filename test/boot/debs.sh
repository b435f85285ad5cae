#!/usr/bin/env bash
# Prints the path of the freshly built perouterd .deb (first line) and of a
# "newer build" of it (second line): the same package with a higher version,
# to test an upgrade over a running daemon. Build output goes to stderr.
#   PEROUTERD_DEB=path  use that .deb instead of building one
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${BOOT_WORK:-/var/tmp/perouterd-boot}/debs
mkdir -p "$out"
deb=${PEROUTERD_DEB:-}
if [ -z "$deb" ]; then
  # The package test checks the same build (test/support/package-once.sh builds it once).
  built=$(bash test/support/package-once.sh a)
  deb=$(find "$built" -name "perouterd_*_$(dpkg --print-architecture).deb" | head -1)
  [ -n "$deb" ] || { echo "no perouterd .deb in $built" >&2; exit 1; }
fi
deb=$(realpath "$deb")
# The newer build: unpack, raise the version, repack (same files, same scripts).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -R "$deb" "$tmp/root"
version=$(dpkg-deb -f "$deb" Version)
sed -i "s/^Version: .*/Version: ${version}+boottest1/" "$tmp/root/DEBIAN/control"
newer="$out/$(basename "$deb" | sed "s/_${version}_/_${version}+boottest1_/")"
dpkg-deb --root-owner-group -b "$tmp/root" "$newer" >/dev/null
echo "$deb"
echo "$newer"
