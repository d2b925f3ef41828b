#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the built tree into a temporary prefix with `cmake --install`, then builds and runs
# three consumers of the installed libtok against the installed tokend: a CMake project
# (find_package(tok), shared and static), a C program (pkg-config --cflags --libs tok) and
# the Python ctypes example. Also checks the installed files and the bash completion.
# Usage: run.sh BUILD_DIR [CMAKE [VERSION]]      Needs: cmake, cc, pkg-config, python3.
set -eu

build_dir=$1
cmake=${2:-cmake}
version=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tok-consumer.XXXXXX")
agent_pid=

cleanup() {
    if [ -n "$agent_pid" ]; then
        kill "$agent_pid" 2>/dev/null || true
        wait "$agent_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

fail() {
    echo "consumer test: $*" >&2
    [ -f "$tmp/tokend.log" ] && sed 's/^/  tokend: /' "$tmp/tokend.log" >&2
    exit 1
}

step() { echo "--- $*"; }

step "install into $tmp/prefix"
"$cmake" --install "$build_dir" --prefix "$tmp/prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "install failed"; }
prefix=$tmp/prefix
pc=$(find "$prefix" -name tok.pc | head -n1)
[ -n "$pc" ] || fail "tok.pc not installed"
libdir=$(dirname "$(dirname "$pc")")
for f in bin/tok bin/tokend include/tok/client.hpp include/tok/error_codes.h include/tok/tok.h include/tok/export.h \
         share/bash-completion/completions/tok; do
    [ -e "$prefix/$f" ] || fail "$f not installed"
done
for f in libtok.so libtok.so.0 libtok.a cmake/tok/tok-config.cmake cmake/tok/tok-config-version.cmake \
         cmake/tok/tok-targets.cmake; do
    [ -e "$libdir/$f" ] || fail "$libdir/$f not installed"
done
if grep -q boost "$prefix"/include/tok/* "$libdir"/cmake/tok/*.cmake "$pc"; then
    fail "the installed package mentions Boost"
fi
if command -v scdoc >/dev/null 2>&1; then
    for f in man1/tok.1 man8/tokend.8 man5/tokend.toml.5; do
        [ -e "$prefix/share/man/$f" ] || fail "man page $f not installed"
    done
fi

step "start the installed tokend"
umask 077
printf 'consumer-static-token\n' >"$tmp/token"
printf '[profile.s]\nprovider = "static"\ntoken_file = "%s"\n' "$tmp/token" >"$tmp/config.toml"
sock=$tmp/run/tokend.sock
"$prefix/bin/tokend" --config "$tmp/config.toml" --socket "$sock" 2>"$tmp/tokend.log" &
agent_pid=$!
i=0
until "$prefix/bin/tok" --socket "$sock" --timeout 1s ping >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 100 ] || fail "tokend did not start"
    sleep 0.1
done
expect_token() { # NAME OUTPUT
    [ "$(printf '%s\n' "$2" | head -n1)" = consumer-static-token ] || fail "$1 printed '$2'"
    echo "$1: ok"
}

step "CMake consumer: find_package(tok)"
generator=
command -v ninja >/dev/null 2>&1 && generator="-G Ninja"
# shellcheck disable=SC2086
"$cmake" -S "$here/cmake" -B "$tmp/cmake-build" $generator -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_RPATH="$libdir" >"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log"; fail "configure failed"; }
"$cmake" --build "$tmp/cmake-build" >>"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log"; fail "build failed"; }
expect_token "C++ consumer (shared)" "$("$tmp/cmake-build/consumer" "$sock" s)"
expect_token "C++ consumer (static)" "$("$tmp/cmake-build/consumer_static" "$sock" s)"
ldd "$tmp/cmake-build/consumer_static" | grep -q libtok && fail "the static consumer needs libtok.so"

step "C consumer: pkg-config --cflags --libs tok"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
modversion=$(pkg-config --modversion tok)
[ -z "$version" ] || [ "$modversion" = "$version" ] || fail "pkg-config --modversion tok: $modversion, not $version"
# shellcheck disable=SC2046
cc -std=c99 -Wall -Wextra -pedantic -Werror -o "$tmp/c_consumer" "$here/consumer.c" \
    $(pkg-config --cflags --libs tok) -Wl,-rpath,"$(pkg-config --variable=libdir tok)" || fail "C build failed"
out=$("$tmp/c_consumer" "$sock" s) || fail "C consumer failed"
expect_token "C consumer" "$out"
printf '%s\n' "$out" | grep -qx 'Authorization: Bearer consumer-static-token' || fail "C consumer headers: $out"

# shellcheck disable=SC2046
cc -std=c99 -Wall -Wextra -pedantic -Werror -o "$tmp/c_consumer_static" "$here/consumer.c" \
    $(pkg-config --cflags tok) "$libdir/libtok.a" -lstdc++ -lm || fail "static C build failed"
expect_token "C consumer (static)" "$("$tmp/c_consumer_static" "$sock" s)"

step "Python ctypes example"
expect_token "Python ctypes" "$(TOK_LIBRARY="$libdir/libtok.so.0" python3 "$here/tok_ctypes.py" "$sock" s)"

step "bash completion: profiles from the running agent"
out=$(PATH="$prefix/bin:$PATH" bash -c '
    . "$1/share/bash-completion/completions/tok"
    COMP_WORDS=(tok --socket "$2" header ""); COMP_CWORD=4
    _tok_profiles' sh "$prefix" "$sock")
[ "$out" = s ] || fail "completion listed '$out'"
echo "completion: ok"
echo "consumer test: all ok"
