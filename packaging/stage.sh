#!/usr/bin/env bash
# Stages everything both packages install, once: packaging/stage.sh STAGE VERSION ARCH
#   STAGE/root/      the file system tree (usr/lib/perouterd with the runtime, dist,
#                    schemas and production node_modules; /etc/frr/perouter/daemons;
#                    bash and zsh completion)
#   STAGE/units/     systemd units and drop-in directories, as they are in systemd/
#   STAGE/perouterd.8, STAGE/copyright, STAGE/spdx, STAGE/doc/
# Only production files of the target architecture go in (rules below, one place).
set -euo pipefail
stage=$1 version=$2 arch=$3
repo=$PWD
# shellcheck source=runtime.env
. packaging/runtime.env
pkgvar=NODE_RUNTIME_PACKAGE_$arch intvar=NODE_RUNTIME_INTEGRITY_$arch
runtime_pkg=${!pkgvar:?no Node runtime pinned for $arch in packaging/runtime.env}
runtime_int=${!intvar:?}
case $arch in amd64) triplet=linux_x64 prebuild=linux-x64 ;; *) echo "stage: unsupported architecture $arch" >&2; exit 2 ;; esac

app=$stage/root/usr/lib/perouterd
mkdir -p "$app/node/bin" "$stage/units" "$stage/doc" "$stage/root/etc/frr/perouter"

# 1. The runtime, from the npm registry once (cached in build/), checked against the pin.
cache=$repo/build/pkg-cache
tgz=$cache/$runtime_pkg-$NODE_RUNTIME_VERSION.tgz
if [ ! -s "$tgz" ]; then
  mkdir -p "$cache"
  (cd "$cache" && npm pack --silent "$runtime_pkg@$NODE_RUNTIME_VERSION" >/dev/null)
fi
got=$(node -e 'process.stdout.write("sha512-" + require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$tgz")
[ "$got" = "$runtime_int" ] || { echo "stage: $tgz does not match the pinned integrity" >&2; exit 1; }
tar -xzf "$tgz" -C "$stage" package/bin/node package/LICENSE
mv "$stage/package/bin/node" "$app/node/bin/node"
mv "$stage/package/LICENSE" "$stage/node-LICENSE"
rm -rf "$stage/package"
# Official binaries carry debug info (127 MB); stripped they run the same, 18 MB smaller.
strip --strip-unneeded --remove-section=.comment "$app/node/bin/node"
node=$app/node/bin/node

# 2. The daemon, compiled fresh (no stale files from dist/), without source maps.
npx tsc -p tsconfig.json --outDir "$app/dist" --sourceMap false
sed -i '1s|^#!.*|#!/usr/lib/perouterd/node/bin/node|' "$app/dist/cli/main.js"
chmod 755 "$app/dist/cli/main.js"
cp -r schemas "$app/"
"$node" -e '
  const p = require(process.argv[1]);
  const out = { name: p.name, version: process.argv[2], description: p.description, license: p.license, type: p.type };
  require("fs").writeFileSync(process.argv[3], JSON.stringify(out, null, 2) + "\n");
' "$repo/package.json" "$version" "$app/package.json"

# 3. Production node_modules (npm ls --omit=dev), copied from this checkout: nothing downloaded.
mkdir -p "$app/node_modules"
npm ls --omit=dev --all --parseable 2>/dev/null | tail -n +2 | sed "s|^$repo/node_modules/||" | grep -v /node_modules/ |
  while read -r m; do mkdir -p "$app/node_modules/$(dirname "$m")" && cp -a "node_modules/$m" "$app/node_modules/$m"; done
nm=$app/node_modules
# Not production: tests, CI files, examples, benchmarks, docs (a docs dir holding
# code stays: yaml's dist/doc), type declarations and sources, maps, readmes.
find "$nm" -depth -type d \( -name test -o -name tests -o -name __tests__ -o -name '.*' -o -name benchmark \
  -o -name benchmarks -o -name example -o -name examples -o -name coverage -o -name .bin \) -exec rm -rf {} +
find "$nm" -depth -type d \( -name docs -o -name doc \) -print | while read -r d; do
  find "$d" -name '*.js' -o -name '*.cjs' -o -name '*.mjs' | grep -q . || rm -rf "$d"; done
find "$nm" -type f \( -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.map' -o -name '*.tsbuildinfo' \
  -o -iname 'readme*' -o -iname 'changelog*' -o -iname 'history*' -o -iname '*.markdown' -o -name 'tsconfig*.json' \
  -o -name '.*' -o -name '*.yml' -o -name '*.yaml' -o -name Makefile -o -name '*.gyp' -o -name '*.gypi' \) -delete
find "$nm" -type f -name '*.md' ! -iname 'licen[cs]e*' -delete
# Native code is shipped prebuilt: its C/C++ sources, build files and koffi's
# vendored Node-API headers and build tool are not needed.
rm -rf "$nm/koffi/vendor" "$nm/koffi/cnoke.cjs" "$nm/koffi/src/koffi/src/trampolines.cjs"
find "$nm" -type f \( -name '*.c' -o -name '*.cc' -o -name '*.cpp' -o -name '*.h' -o -name '*.hh' -o -name '*.inc' \
  -o -name '*.S' -o -name '*.asm' -o -name '*.def' -o -name CMakeLists.txt \) -delete
# Nor the modules' web pages, release scripts, lint configs and command-line
# programs ("bin" in their package.json): perouterd imports libraries only.
find "$nm" -type f \( -name '*.html' -o -name '*.ico' -o -name '*.png' -o -name '*.sh' -o -name '*.flow' -o -name '*.lock' \
  -o -name CNAME -o -name 'eslint.config.*' \) -delete
"$node" -e '
  const fs = require("fs"), path = require("path");
  for (const pj of process.argv.slice(1)) {
    const p = JSON.parse(fs.readFileSync(pj, "utf8"));
    const bins = typeof p.bin === "string" ? [p.bin] : Object.values(p.bin ?? {});
    for (const b of bins) fs.rmSync(path.join(path.dirname(pj), b), { force: true });
  }
' $(find "$nm" -name package.json | sort)
# Native files of the target only: koffi's glibc $triplet (it also ships musl and
# other systems), and prebuilds/$prebuild (bare-*: native parts for the Bare
# runtime, never loaded by Node, shipped for every platform).
find "$nm" -name '*.node' ! -path "*/$triplet/*" -delete
find "$nm" -mindepth 3 -type d -path '*/prebuilds/*' -prune ! -name "$prebuild" -exec rm -rf {} +
find "$nm" -depth -type d -empty -delete
# Strip every native file here, once, so both packages carry the same bytes.
find "$nm" -type f \( -name '*.node' -o -name '*.bare' \) -exec strip --strip-unneeded --remove-section=.comment {} +

# 4. Units, FRR's daemons file for the router namespace, docs.
for f in systemd/*; do
  case $f in
    *.service | *.socket | *.target | *.timer | *.path) cp "$f" "$stage/units/" ;;
    *.d) cp -r "$f" "$stage/units/" ;;
    *) echo "stage: do not know where $f goes (packaging/README.md)" >&2; exit 1 ;;
  esac
done
cp packaging/frr/daemons "$stage/root/etc/frr/perouter/daemons"
cp -r README.md examples "$stage/doc/"

# 5. The man page from the staged CLI's own --help (this also proves the staged
# tree runs: main.js imports every module, koffi's native one included), and the
# copyright file from the staged node_modules.
"$node" tools/package/gen-manpage.ts "$app/dist/cli/main.js" "$version" "$stage/perouterd.8"
# Shell completion, generated by the staged CLI from its own command tree.
mkdir -p "$stage/root/usr/share/bash-completion/completions" "$stage/root/usr/share/zsh/vendor-completions"
"$node" "$app/dist/cli/main.js" completion bash >"$stage/root/usr/share/bash-completion/completions/perouterd"
"$node" "$app/dist/cli/main.js" completion zsh >"$stage/root/usr/share/zsh/vendor-completions/_perouterd"
"$node" tools/package/gen-copyright.ts "$nm" "$stage/node-LICENSE" "$NODE_RUNTIME_VERSION" "$stage/copyright" "$stage/spdx"
