#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Test of mockbill's protected /_api/ surface (echo, bytes, upload, small), its call log,
# connection counting, and that a 512 MiB download and upload keep mockbill's memory flat.
# Usage: api_test.sh path/to/mockbill            (needs curl, jq, openssl, python3)
set -euo pipefail

mockbill=${1:?usage: api_test.sh path/to/mockbill}
# shellcheck source=smoke_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/smoke_lib.sh"
command -v python3 >/dev/null || fail "python3 is required"

sha256() { sha256sum | cut -d' ' -f1; }

# download PATH [curl args...]: like call, for binary bodies (left in $tmp/body only).
download() {
    local path=$1
    shift
    rc=0
    status=$(curl -sS -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' "$@" "$base$path" 2>"$tmp/curl.err") || rc=$?
    headers=$(tr -d '\r' <"$tmp/headers" 2>/dev/null || true)
    body="(binary)"
}

# pattern_sha256 SEED N: SHA-256 of the first N bytes of the stream tests/support/pattern.hpp
# defines, computed independently here from its definition (splitmix64, little-endian words).
pattern_sha256() {
    python3 - "$1" "$2" <<'PY'
import hashlib, sys
seed, n = int(sys.argv[1]), int(sys.argv[2])
M = (1 << 64) - 1
def word(i):
    z = (seed + (i + 1) * 0x9e3779b97f4a7c15) & M
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M
    return z ^ (z >> 31)
data = b"".join(word(i).to_bytes(8, "little") for i in range((n + 7) // 8))[:n]
print(hashlib.sha256(data).hexdigest())
PY
}

start main --quiet
base="http://127.0.0.1:$port"
mockbill_pid=${pids[-1]}

json_post /api/v2/auth/login "$demo_json"
killb=$(field accessToken)
killb_refresh=$(field refreshToken)
json_post /api/auth/login "$demo_json"
nova=$(field accessToken)
api_key=$(jq -r .tenant.apiKey <<<"$body")
call POST /plugins/aviate-plugin/v1/auth -H "$demo_basic"
aviate=$(field token)
call POST /oauth2/token -u demo-client:demo-client-secret -d grant_type=client_credentials
oauth2=$(field access_token)
auth="Authorization: Bearer $killb"

echo "== credentials"
for bad in "" "Authorization: Bearer garbage" "Authorization: Bearer $killb_refresh" "Authorization: $killb" \
    "Authorization: Basic $(printf %s demo@example.com:demo-password | base64 -w0)"; do
    call GET /_api/small ${bad:+-H "$bad"}
    expect_status 401 "no valid credentials (${bad:0:30})"
    [[ $body == '{"message":"Unauthorized"}' ]] || fail "401 body: $body"
done
expect_stat .total.invalid_requests 5
for pair in "killb:Bearer $killb" "novabilling:Bearer $nova" "aviate:Bearer $aviate" "oauth2:Bearer $oauth2" \
    "static:$api_key" "static:Bearer $api_key"; do
    call GET /_api/echo -H "Authorization: ${pair#*:}"
    expect_status 200 "echo with a ${pair%%:*} credential"
    expect_json ".token_api == \"${pair%%:*}\"" "token_api for ${pair%%:*}"
done
control config '{"killb":{"clock_skew":7200}}'
call GET /_api/small -H "$auth"
expect_status 401 "expired killb token"
expect_stat .killb.expired_requests 1
control config '{"killb":{"clock_skew":0}}'

echo "== echo"
call PATCH '/_api/echo/a/b?x=1&y=%20' -H "$auth" -H 'X-First: 1' -H 'x-second: two words' \
    -H 'Content-Type: text/plain' --data-binary 'hello, echo'
expect_status 200 "echo"
auth_hash=$(printf %s "Bearer $killb" | sha256)
expect_json '.method == "PATCH" and .target == "/_api/echo/a/b?x=1&y=%20" and .body_bytes == 11' "echo request line"
expect_json ".body_sha256 == \"$(printf %s 'hello, echo' | sha256)\" and .token_api == \"killb\"" "echo body"
expect_json "[.headers[] | select(.[0] == \"Authorization\")] == [[\"Authorization\", \"sha256:$auth_hash\"]]" "echo Authorization hashed"
expect_json '[.headers[][0]] | index("X-First") < index("x-second")' "echo header order"
expect_json '[.headers[] | select(.[0] == "x-second")][0][1] == "two words"' "echo header value"
[[ $body != *"$killb"* ]] || fail "echo shows the token"
# HEAD: the GET's Content-Length and no body, so the connection stays usable.
out=$(curl -sS -I -H "$auth" "$base/_api/echo" --next -H "$auth" "$base/_api/small" | tr -d '\r') \
    || fail "HEAD then GET on one connection"
grep -q '^Content-Length: [1-9]' <<<"$out" || fail "HEAD /_api/echo: $out"
[[ $out == *'{"ok":true,"items":[1,2,3]}' ]] || fail "GET after HEAD: $out"

echo "== small"
call GET /_api/small -H "$auth"
[[ $status == 200 && $body == '{"ok":true,"items":[1,2,3]}' ]] || fail "small: $status $body"
call POST /_api/small -H "$auth"
expect_status 405 "POST /_api/small"

echo "== bytes"
n=$((3 * 1024 * 1024 + 5))
want=$(pattern_sha256 42 $n)
for mode in length chunked; do
    download "/_api/bytes?n=$n&seed=42$([[ $mode == chunked ]] && echo '&chunked=1')" -H "$auth"
    expect_status 200 "bytes ($mode)"
    [[ $(stat -c %s "$tmp/body") == "$n" ]] || fail "bytes ($mode): $(stat -c %s "$tmp/body") bytes"
    [[ $(sha256 <"$tmp/body") == "$want" ]] || fail "bytes ($mode): not the pattern"
done
expect_header Transfer-Encoding chunked "bytes chunked"
download "/_api/bytes?n=$n&seed=42" -H "$auth" -r 1000-1999 # no ranges: the whole stream again
[[ $(stat -c %s "$tmp/body") == "$n" ]] || fail "bytes ignores Range"
download "/_api/bytes?n=100&seed=43" -H "$auth"
[[ $(sha256 <"$tmp/body") == "$(pattern_sha256 43 100)" ]] || fail "bytes: another seed"
call GET "/_api/bytes?n=0" -H "$auth"
[[ $status == 200 && -z $body ]] || fail "bytes n=0: $status $body"
expect_header Content-Length 0 "bytes n=0"
for q in "" "n=-1" "n=1099511627777" "n=1&seed=x" "n=1&chunked=2" "n=1&other=1"; do
    call GET "/_api/bytes?$q" -H "$auth"
    expect_status 400 "bytes?$q"
done
download "/_api/bytes?n=1099511627776" -H "$auth" --max-filesize 1000
expect_rc 63 "bytes n=2^40 is accepted and announced"

echo "== upload"
head -c $((5 * 1024 * 1024 + 3)) /dev/urandom >"$tmp/upload"
upload_sha=$(sha256 <"$tmp/upload")
call PUT /_api/upload -H "$auth" -T "$tmp/upload"
expect_status 200 "upload PUT (Expect: 100-continue)"
expect_json ".bytes == $((5 * 1024 * 1024 + 3)) and .sha256 == \"$upload_sha\"" "upload PUT"
call POST /_api/upload -H "$auth" -H 'Transfer-Encoding: chunked' --data-binary "@$tmp/upload"
expect_json ".bytes == $((5 * 1024 * 1024 + 3)) and .sha256 == \"$upload_sha\"" "upload POST chunked"
call GET /_api/upload -H "$auth"
expect_status 405 "GET /_api/upload"
call POST /api/v2/auth/login -H 'Content-Type: application/json' --data-binary "@$tmp/upload"
expect_status 413 "other paths keep the 1 MiB body limit"
call POST /api/v2/auth/login -H 'Transfer-Encoding: chunked' --data-binary "@$tmp/upload"
expect_status 413 "other paths keep the 1 MiB body limit (chunked)"

echo "== faults"
control faults '{"endpoint":"resource","kind":"status","status":401}'
call POST /_api/echo -H "$auth" -d 'x'
expect_status 401 "queued 401 fault"
expect_json '.message == ["Unauthorized"]' "queued 401 fault: KillB's error body"
control faults '[{"api":"novabilling","endpoint":"resource","kind":"status","status":503},
                 {"endpoint":"resource","kind":"status","status":500}]'
call GET /_api/small -H "$auth"
expect_status 500 "a novabilling fault skips a killb token"
call GET /_api/small -H "Authorization: $api_key"
expect_status 503 "a novabilling fault hits the tenant key"
control faults '[{"api":"killb","endpoint":"resource","kind":"reset"},{"endpoint":"resource","kind":"garbage"}]'
call GET /_api/small
expect_status 200 "no token: only faults for any API"
[[ $body == '<html>oops' ]] || fail "garbage fault body: $body"
call PUT /_api/upload -H "$auth" -T "$tmp/upload"
expect_rc 56 "reset fault after the upload"

echo "== 512 MiB through mockbill, memory"
rss() { awk '/^VmRSS/ {print $2}' "/proc/$mockbill_pid/status"; }
big=$((512 * 1024 * 1024))
before=$(rss)
( while :; do rss; sleep 0.05; done ) >"$tmp/rss" &
sampler=$!
pids+=("$sampler")
uploaded=$(curl -sS -f -H "$auth" "$base/_api/bytes?n=$big&seed=5" | tee >(sha256 >"$tmp/big.sha") |
    curl -sS -f -H "$auth" -T - "$base/_api/upload") || fail "512 MiB download piped into an upload"
kill "$sampler"
wait "$sampler" 2>/dev/null || true
peak=$(sort -n "$tmp/rss" | tail -1)
jq -e ".bytes == $big and .sha256 == \"$(cat "$tmp/big.sha")\"" <<<"$uploaded" >/dev/null \
    || fail "512 MiB round trip: $uploaded vs $(cat "$tmp/big.sha")"
echo "mockbill VmRSS: ${before} kB before, ${peak} kB peak during 512 MiB down + up ($(wc -l <"$tmp/rss") samples)"
(( peak - before < 16 * 1024 )) || fail "mockbill grew by $((peak - before)) kB streaming 512 MiB"

echo "== api_calls, connections"
control reset '{}'
json_post /api/v2/auth/login "$demo_json"
auth="Authorization: Bearer $(field accessToken)"
# Two requests on one connection, then one on another.
curl -sS -f -o /dev/null -o /dev/null -H "$auth" "$base/_api/small" "$base/_api/echo/q?z=9" \
    || fail "two requests on one connection"
curl -sS -o /dev/null -d body "$base/_api/echo"
call GET /_mock/api_calls
expect_json '[.calls[] | [.method, .target, .status, .body_bytes, .token_api, .fault]] ==
    [["GET","/_api/small",200,0,"killb","none"],["GET","/_api/echo/q?z=9",200,0,"killb","none"],
     ["POST","/_api/echo",401,4,null,"none"]]' "api_calls entries"
expect_json ".calls[0].connection == .calls[1].connection and .calls[2].connection != .calls[0].connection" "api_calls connections"
expect_json ".calls[2].body_sha256 == \"$(printf body | sha256)\"" "api_calls body hash"
expect_json "(.calls[0].headers | map(select(.[0] == \"Authorization\")[1])) == [\"sha256:$(printf %s "${auth#Authorization: }" | sha256)\"]" "api_calls Authorization hashed"
# Since the reset: login and two curls, plus (accepted only) the api_calls and stats reads.
expect_stat '"\(.connections) \(.connections_accepted) \(.api_requests) \(.total.requests)"' "3 5 3 3"
curl -sS -f -o /dev/null -H "$auth" "$base/_api/small?[1-10005]" || fail "10005 requests"
call GET /_mock/api_calls
expect_json '(.calls | length) == 10000 and .calls[0].target == "/_api/small?6" and .calls[-1].target == "/_api/small?10005"' "api_calls bound"
control reset '{}'
call GET /_mock/api_calls
expect_json '.calls == []' "reset clears api_calls"
expect_stat '"\(.connections) \(.connections_accepted) \(.api_requests)"' "0 2 0"

echo "== https"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1 || fail "openssl req"
start tls --quiet --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem"
base="https://127.0.0.1:$port"
call POST /api/auth/login --cacert "$tmp/cert.pem" -H 'Content-Type: application/json' -d "$demo_json"
api_key=$(jq -r .tenant.apiKey <<<"$body")
download "/_api/bytes?n=100000&seed=9&chunked=1" --cacert "$tmp/cert.pem" -H "Authorization: $api_key"
[[ $(sha256 <"$tmp/body") == "$(pattern_sha256 9 100000)" ]] || fail "bytes over https"
stats=$(curl -sS -f --cacert "$tmp/cert.pem" "$base/_mock/stats")
[[ $(jq -c '[.connections, .connections_accepted]' <<<"$stats") == "[2,3]" ]] || fail "https connections: $stats"

echo "mockbill api test: OK"
