#!/bin/sh
# Checks the unit files with systemd-analyze verify on a machine where the
# binaries are not installed: the units are copied with their executables
# pointed at /bin/true, which is all `verify` needs to find.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for unit in gatewayd.service dpcd.service; do
    sed -e 's#/usr/local/bin/gatewayd#/bin/true#g' -e 's#/usr/local/bin/dpcd#/bin/true#g' "$here/$unit" > "$scratch/$unit"
done
cd "$scratch"
output=$(systemd-analyze verify --man=no gatewayd.service dpcd.service 2>&1 || true)
# Lines about units other than ours (the host's own) are not our concern.
ours=$(printf '%s\n' "$output" | grep -E 'gatewayd\.service|dpcd\.service' || true)
if [ -n "$ours" ]; then
    printf '%s\n' "$ours"
    exit 1
fi
echo "units verified: gatewayd.service dpcd.service"
