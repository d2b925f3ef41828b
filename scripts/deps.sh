#!/usr/bin/env bash
# Installs what building, testing and demoing tokend needs on Debian 12 (idempotent; skips apt
# entirely when everything is already there). Sourced by scripts/test and scripts/demo.
set -euo pipefail

tokend_packages=(
    build-essential cmake ninja-build pkg-config git
    libboost1.81-all-dev libssl-dev libtomlplusplus-dev libsystemd-dev
    clang libclang-rt-14-dev            # fuzzers (libFuzzer) and sanitizer runtimes
    curl openssl python3 systemd util-linux scdoc   # tests, man pages
    hyperfine gnuplot-nox nginx-light wrk           # bench/run (nginx and wrk: bench/proxy.sh)
)

install_deps() {
    local missing=()
    for p in "${tokend_packages[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        echo "==> installing: ${missing[*]}"
        local sudo=()
        [[ $(id -u) -eq 0 ]] || sudo=(sudo)
        "${sudo[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}
