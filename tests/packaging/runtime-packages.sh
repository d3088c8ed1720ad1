#!/bin/sh
# SPDX-License-Identifier: MIT
# The Dockerfile's runtime stage installs exactly the Debian packages whose
# libraries pynet-server links (ldd, then dpkg -S), less those the slim base
# image has already: one missing and the container cannot start, one too many
# and every image carries it for nothing.
# Plugins it loads with dlopen (the SQL drivers) are invisible to ldd: each
# PLUGIN named after the Dockerfile is needed as well, by the package holding it.
# Usage: runtime-packages.sh PYNET_SERVER_BINARY DOCKERFILE [PLUGIN...]
set -eu
binary=$1
dockerfile=$2
shift 2

# debian:bookworm-slim holds apt, which needs these.
in_base_image="libc6 libgcc-s1 libstdc++6 zlib1g"

# The package that holds a library, asked by its path as ldd found it; on a
# merged /usr, dpkg may know the file under the other name of its directory.
owner() {
    for candidate in "$1" "$(readlink -f "$1")" "/usr$1" "${1#/usr}"; do
        if package=$(dpkg -S "$candidate" 2>/dev/null); then
            echo "${package%%:*}"
            return 0
        fi
    done
    echo "runtime-packages: no package holds $1" >&2
    return 1
}

# Only the libraries the binary names itself: apt brings what those depend on.
needed=$(objdump -p "$binary" | awk '$1 == "NEEDED" { print $2 }')
[ -n "$needed" ] || { echo "runtime-packages: $binary links nothing?" >&2; exit 1; }
packages=""
for soname in $needed; do
    # "libfoo.so.1 => /path (addr)", but the dynamic loader's line is "/path (addr)".
    path=$(ldd "$binary" | awk -v name="$soname" '
        $1 == name { print $3; exit }
        substr($1, 1, 1) == "/" && substr($1, length($1) - length(name)) == "/" name { print $1; exit }')
    [ -n "$path" ] || { echo "runtime-packages: ldd cannot find $soname" >&2; exit 1; }
    packages="$packages $(owner "$path")"
done
for plugin in "$@"; do
    [ -f "$plugin" ] || { echo "runtime-packages: no plugin $plugin" >&2; exit 1; }
    packages="$packages $(owner "$plugin")"
done
expected=$(for package in $packages; do
    case " $in_base_image " in *" $package "*) ;; *) echo "$package" ;; esac
done | sort -u | tr '\n' ' ')

listed=$(sed -n 's/^ARG RUNTIME_PACKAGES="\(.*\)"$/\1/p' "$dockerfile" | tr ' ' '\n' \
    | sed '/^$/d' | sort -u | tr '\n' ' ')
[ -n "$listed" ] || { echo "runtime-packages: no ARG RUNTIME_PACKAGES in $dockerfile" >&2; exit 1; }

if [ "$expected" != "$listed" ]; then
    echo "runtime-packages: $dockerfile installs: $listed" >&2
    echo "runtime-packages: $binary needs:        $expected" >&2
    exit 1
fi
echo "runtime-packages: $listed"
