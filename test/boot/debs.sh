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
  stamp=$(mktemp)
  if node -e 'process.exit(require("./package.json").scripts?.package ? 0 : 1)'; then
    npm run --silent package -- --deb-only >&2 # the boot test installs the .deb only
  else
    bash packaging/build-deb.sh build/deb >&2
  fi
  arch=$(dpkg --print-architecture)
  deb=$(find . -path ./node_modules -prune -o -name "perouterd_*_${arch}.deb" -newer "$stamp" -print | head -1)
  rm -f "$stamp"
  [ -n "$deb" ] || { echo "no perouterd_*_${arch}.deb was built" >&2; exit 1; }
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
