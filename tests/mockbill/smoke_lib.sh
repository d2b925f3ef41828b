# SPDX-License-Identifier: MIT
# Shared by mockbill's shell tests (source it after setting $mockbill): a temp dir cleaned up
# on exit, starting mockbill, curl wrappers that capture status/body/headers, and checks.
# shellcheck shell=bash

for tool in curl jq openssl; do
    command -v "$tool" >/dev/null || { echo "smoke_test: $tool is required" >&2; exit 1; }
done

tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# start NAME [mockbill args...]: runs mockbill in the background and sets $base.
start() {
    local name=$1
    shift
    "$mockbill" --port-file "$tmp/$name.port" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pids+=($!)
    for _ in $(seq 100); do
        [[ -s $tmp/$name.port ]] && break
        sleep 0.05
    done
    [[ -s $tmp/$name.port ]] || fail "$name: no port file after 5 s: $(cat "$tmp/$name.err")"
    port=$(cat "$tmp/$name.port")
}

# call METHOD PATH [curl args...]: sets $status, $body, $rc (curl exit code) and $headers.
call() {
    local method=$1 path=$2
    shift 2
    rc=0
    status=$(curl -sS -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -X "$method" "$@" \
        "$base$path" 2>"$tmp/curl.err") || rc=$?
    body=$(cat "$tmp/body" 2>/dev/null || true)
    headers=$(tr -d '\r' <"$tmp/headers" 2>/dev/null || true)
}
json_post() { call POST "$1" -H 'Content-Type: application/json' -d "$2"; }

expect_status() { [[ $status == "$1" ]] || fail "$2: expected HTTP $1, got $status: $body"; }
expect_json() { jq -e "$1" <<<"$body" >/dev/null 2>&1 || fail "$2: body fails '$1': $body"; }
expect_header() {
    grep -qi "^$1: $2\$" <<<"$headers" || fail "$3: expected header '$1: $2' in: $headers"
}
expect_rc() { [[ $rc == "$1" ]] || fail "$2: expected curl exit $1, got $rc ($(cat "$tmp/curl.err"))"; }

# field NAME: a string member of $body without spawning jq (tokens hold no quotes).
field() { [[ $body =~ \"$1\":\"([^\"]*)\" ]] && printf %s "${BASH_REMATCH[1]}" || printf null; }

control() {
    curl -sS -f -X POST -H 'Content-Type: application/json' -d "$2" "$base/_mock/$1" >/dev/null \
        || fail "control $1 $2"
}
stats_value() { curl -sS -f "$base/_mock/stats" | jq -r "$1"; }
expect_stat() { local v; v=$(stats_value "$1"); [[ $v == "$2" ]] || fail "stats $1: expected $2, got $v"; }
jwt_claims() { local p; p=$(cut -d. -f2 <<<"$1" | tr '_-' '/+'); while (( ${#p} % 4 )); do p+='='; done; base64 -d <<<"$p"; }

demo_basic="Authorization: Basic $(printf %s 'demo@example.com:demo-password' | base64 -w0)"
demo_json='{"email":"demo@example.com","password":"demo-password"}'
