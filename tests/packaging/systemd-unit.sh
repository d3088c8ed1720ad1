#!/bin/sh
# SPDX-License-Identifier: MIT
# systemd-analyze verify on the generated pynet-server.service: a misspelt key
# or section is only a warning in the journal when the unit loads, which nobody
# reads. Pointed at the built binary, since the installed path need not exist.
# Exits 77 (skipped) where systemd-analyze is not installed.
# Usage: systemd-unit.sh UNIT_FILE PYNET_SERVER_BINARY INSTALLED_BINARY
set -eu
unit=$1
binary=$2
installed=$3

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "systemd-unit: systemd-analyze is not installed (Debian's systemd package has it)"
    exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|$installed|$binary|g" "$unit" > "$dir/pynet-server.service"
# Documentation= names the man page that the package installs, not this machine.
if ! systemd-analyze verify --man=no "$dir/pynet-server.service" > "$dir/out" 2>&1; then
    cat "$dir/out"
    exit 1
fi
# A warning about our unit is a mistake in it too.
if grep -F "pynet-server.service" "$dir/out"; then
    exit 1
fi
cat "$dir/out"
echo "systemd-unit: $unit verified"
