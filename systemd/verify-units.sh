#!/bin/sh
# SPDX-License-Identifier: MIT
# Checks the user units with `systemd-analyze --user verify` (ctest systemd_units).
#   verify-units.sh DIR     DIR holds tokend.socket, tokend-http.socket and tokend.service
#                           (ExecStart= must exist)
# No running user manager is needed, only a runtime directory, so a private one is made.
# systemd-analyze exits 0 on unknown keys and unparsable values, which it only prints:
# any line naming a tokend unit fails the check as well. Exit 77 (ctest: skipped) when
# systemd-analyze is not installed.
set -u
dir=${1:?usage: verify-units.sh DIR}

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "SKIPPED: systemd-analyze not found; install systemd to check the units"
    exit 77
fi
runtime=$(mktemp -d) || exit 1
trap 'rm -rf "$runtime"' EXIT
chmod 700 "$runtime"

out=$(XDG_RUNTIME_DIR=$runtime systemd-analyze --user verify --man=no \
      "$dir/tokend.socket" "$dir/tokend-http.socket" "$dir/tokend.service" 2>&1)
status=$?
printf '%s\n' "$out"
if [ "$status" -ne 0 ]; then
    echo "FAIL: systemd-analyze verify exited with $status"
    exit 1
fi
if printf '%s\n' "$out" | grep -q 'tokend'; then
    echo "FAIL: systemd-analyze verify has warnings about the units (above)"
    exit 1
fi
echo "OK: tokend.socket, tokend-http.socket and tokend.service verify cleanly ($(systemd-analyze --version | head -n 1))"
