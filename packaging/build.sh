#!/usr/bin/env bash
# npm run package [-- --out DIR] [--version V] [--deb-only]
# Builds dist-pkg/perouterd_<version>_amd64.deb and dist-pkg/perouterd-<version>-1.x86_64.rpm
# (packaging/README.md). Two builds of the same commit give the same bytes.
#   --version V  a test build with another version (e.g. 0.1.1~test): an entry is
#                added on top of the changelogs, dated from the last commit.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
out=dist-pkg version='' rpm=1
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --deb-only) rpm=0; shift ;;
    *) echo "usage: $0 [--out DIR] [--version V] [--deb-only]" >&2; exit 2 ;;
  esac
done
case $out in /*) ;; *) out=$repo/$out ;; esac

# One build at a time per checkout (the staging area is shared).
mkdir -p build
exec 9>build/.package.lock
flock 9

deb_arch=$(dpkg --print-architecture)
case $deb_arch in amd64) rpm_arch=x86_64 ;; *) echo "package: $deb_arch is not supported yet (packaging/README.md)" >&2; exit 2 ;; esac
changelog=packaging/debian/changelog
released=$(dpkg-parsechangelog -l "$changelog" -SVersion)
pkg_version=$(node -p 'require("./package.json").version')
if [ -z "$version" ]; then
  [ "$released" = "$pkg_version" ] || { echo "package: package.json says $pkg_version, $changelog says $released" >&2; exit 1; }
  version=$released
  SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$changelog" -STimestamp)
else
  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)
fi
export SOURCE_DATE_EPOCH TZ=UTC LC_ALL=C.UTF-8

work=$repo/build/pkg
rm -rf "$work"
mkdir -p "$work" "$out"
bash packaging/stage.sh "$work/stage" "$version" "$deb_arch"

# .deb: a native source tree holding debian/ and the stage, built by dpkg-buildpackage.
src=$work/perouterd-$version
mkdir -p "$src"
cp -a packaging/debian "$src/debian"
mv "$work/stage" "$src/stage"
cp "$src/stage/copyright" "$src/debian/copyright"
if [ "$version" != "$released" ]; then
  maint=$(sed -n 's/^Maintainer: //p' packaging/debian/control)
  { printf 'perouterd (%s) unstable; urgency=medium\n\n  * Build of commit %s.\n\n -- %s  %s\n\n' \
      "$version" "$(git rev-parse --short HEAD)" "$maint" "$(date -R -d "@$SOURCE_DATE_EPOCH")"
    cat "$changelog"; } > "$src/debian/changelog"
fi
(cd "$src" && dpkg-buildpackage -b -us -uc --no-pre-clean >"$work/dpkg-buildpackage.log" 2>&1) ||
  { tail -40 "$work/dpkg-buildpackage.log" >&2; exit 1; }
deb=perouterd_${version#*:}_$deb_arch.deb
mv "$work/$deb" "$out/$deb.tmp" && mv "$out/$deb.tmp" "$out/$deb"
echo "$out/$deb"

if [ "$rpm" = 1 ]; then
  # The spec with %changelog from the Debian changelog (one history, two formats).
  spec=$work/perouterd.spec
  { cat packaging/rpm/perouterd.spec; echo '%changelog'
    "$src/stage/root/usr/lib/perouterd/node/bin/node" tools/package/rpm-changelog.ts "$src/debian/changelog"; } > "$spec"
  units=$(find "$src/stage/units" -maxdepth 1 -type f ! -name perouterd.service -printf '%f\n' | sort | tr '\n' ' ')
  # --nodeps: BuildRequires name Fedora packages; this rpm database (on Debian) is empty.
  rpmbuild -bb --nodeps "$spec" \
    --load packaging/rpm/macros.build \
    --define "_topdir $work/rpm" --define "stagedir $src/stage" --define "rpmdir $repo/packaging/rpm" \
    --define "pkgversion $version" --define "license_spdx $(cat "$src/stage/spdx")" --define "other_units $units" \
    >"$work/rpmbuild.log" 2>&1 || { tail -40 "$work/rpmbuild.log" >&2; exit 1; }
  rpmfile=$(cd "$work/rpm/RPMS/$rpm_arch" && ls perouterd-*.rpm)
  mv "$work/rpm/RPMS/$rpm_arch/$rpmfile" "$out/$rpmfile.tmp" && mv "$out/$rpmfile.tmp" "$out/$rpmfile"
  echo "$out/$rpmfile"
fi
