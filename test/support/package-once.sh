#!/usr/bin/env bash
# Prints a directory holding `npm run package` output (.deb and .rpm) for this
# checkout's commit, building it once: the boot test and the package test share
# the build, which costs minutes of CPU. A checkout with uncommitted changes to
# tracked files always builds afresh. Build output goes to stderr.
#   $1  slot: "a" (default) or "b", a second independent build of the same commit
#       (the reproducibility check compares a and b).
set -euo pipefail
cd "$(dirname "$0")/../.."
slot=${1:-a}
root=${PACKAGE_CACHE:-/var/tmp/perouterd-packages}
if [ -z "$(git status --porcelain --untracked-files=no 2>/dev/null || echo dirty)" ]; then
  key=$(git rev-parse HEAD)
else
  key=uncommitted-$$
fi
mkdir -p "$root"
exec 8>"$root/.lock"
flock 8
out=$root/$key/$slot
if [ ! -f "$out/.complete" ]; then
  # Builds of other commits are of no further use once no test run can be reading them.
  find "$root" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -mmin +180 -exec rm -rf {} +
  rm -rf "$out"
  bash packaging/build.sh --out "$out" >&2
  touch "$out/.complete"
fi
echo "$out"
