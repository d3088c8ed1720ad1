#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what PyNet Chat needs to build and test on Debian 12, if it is missing.
# Run as root, or as a user who may use sudo.
set -eu

# The SQL drivers are what the server stores history with; PostgreSQL's server
# programs are for the tests, which start a throwaway cluster. The HTTP server
# is for --metrics; Debian's qt6-httpserver-dev needs qt6-websockets-dev for its
# CMake package but does not depend on it. libsodium hashes account passwords
# (Argon2id) and makes login tokens; QtKeychain keeps the passwords the desktop
# client is asked to remember in the desktop's keyring. The TLS tests make
# certificates with openssl; pynet-bench --tls links libssl. --cluster talks
# to Redis through hiredis; the cluster tests start a redis-server of their own.
packages="build-essential cmake ninja-build pkg-config python3 help2man
qt6-base-dev qt6-base-dev-tools qt6-httpserver-dev qt6-websockets-dev libqt6svg6
libgl-dev libedit-dev libqt6sql6-sqlite libqt6sql6-psql postgresql
libsodium-dev qtkeychain-qt6-dev openssl libssl-dev libhiredis-dev redis-server"
# Extra tools for the sanitizer and fuzzing builds that CI runs, the check of
# the systemd unit (systemd-analyze) and the Dockerfile's linter (from npm).
if [ "${1:-}" = "--ci" ]; then
    packages="$packages clang-14 libclang-rt-14-dev systemd"
    # Any npm will do: Debian's conflicts with a Node.js installed from elsewhere.
    command -v npm >/dev/null 2>&1 || packages="$packages npm"
fi

missing=""
for package in $packages; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
        || missing="$missing $package"
done
[ -z "$missing" ] && exit 0

run_as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
echo "Installing:$missing"
run_as_root apt-get update -q
# shellcheck disable=SC2086
run_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
