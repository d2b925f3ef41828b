#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Smoke test for mockbill: drives every API, fault kind and control endpoint once with curl
# and checks exact statuses and bodies. Usage: smoke_test.sh path/to/mockbill
set -euo pipefail

mockbill=${1:?usage: smoke_test.sh path/to/mockbill}
# shellcheck source=smoke_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/smoke_lib.sh"

start main --quiet
base="http://127.0.0.1:$port"
grep -qx "mockbill listening on $base" "$tmp/main.out" || fail "banner: $(cat "$tmp/main.out")"

echo "== aviate"
call POST /plugins/aviate-plugin/v1/auth -H "$demo_basic"
expect_status 200 "aviate login"
aviate_token=$(field token)
header=$(cut -d. -f1 <<<"$aviate_token" | base64 -d 2>/dev/null || true)
[[ $header == '{"kid":"mockbill-1","alg":"RS256"}' ]] || fail "aviate JWT header: $header"
jwt_claims "$aviate_token" | jq -e '.exp - .iat == 3600 and .token_use == "id" and .email == "demo@example.com"' >/dev/null \
    || fail "aviate claims: $(jwt_claims "$aviate_token")"
call POST /plugins/aviate-plugin/v1/auth -u demo@example.com:wrong
expect_status 401 "aviate bad password"
call POST /plugins/aviate-plugin/v1/auth
expect_status 400 "aviate no Authorization"
call POST /plugins/aviate-plugin/v1/auth -H 'Authorization: Basic %%%'
expect_status 400 "aviate bad base64"
call POST /plugins/aviate-plugin/v1/auth -H "Authorization: Basic $(printf nocolon | base64)"
expect_status 400 "aviate no colon"
call GET /plugins/aviate-plugin/v1/catalog/info -H "Authorization: Bearer $aviate_token" \
    -H 'x-killbill-apikey: demo-tenant' -H 'X-KILLBILL-APISECRET: demo-secret'
expect_status 200 "aviate catalog/info"
expect_json '.catalogMode == "CATALOG_STATE_AVIATE"' "aviate catalog/info"
call GET /plugins/aviate-plugin/v1/catalog/info -H "Authorization: Bearer $aviate_token"
expect_status 401 "aviate catalog/info without tenant"
control config '{"aviate":{"exp_minus_one":true}}'
call POST /plugins/aviate-plugin/v1/auth -H "$demo_basic"
jwt_claims "$(field token)" | jq -e '.exp - .iat == 3599' >/dev/null || fail "aviate exp_minus_one"

echo "== killb"
json_post /api/v2/auth/login "$demo_json"
expect_status 201 "killb login"
expect_json '.expiresIn == 3600000 and (.accessToken | split(".") | length == 3) and (.refreshToken | length > 0)' "killb login"
killb_access=$(field accessToken)
killb_refresh=$(field refreshToken)
json_post /api/v2/auth/login '{"email":"demo@example.com","password":"nope"}'
expect_status 401 "killb bad password"
[[ $body == '{"errorCode":"AUTH.0001","message":["Invalid credentials"],"statusCode":"401"}' ]] || fail "killb 401 body: $body"
json_post /api/v2/auth/login 'not json'
expect_status 400 "killb malformed"
expect_json '.errorCode == "API_USER.0001" and .statusCode == "400" and (.message | type == "array")' "killb malformed"
call GET /api/v2/auth/me -H "Authorization: Bearer $killb_access"
expect_status 200 "killb me"
expect_json '.email == "demo@example.com" and .active == true and .roles == []' "killb me"
call GET /api/v2/users -H "Authorization: Bearer $killb_access"
expect_status 200 "killb users"
call GET /api/v2/users -H "Authorization: Bearer garbage"
expect_json '.errorCode == "AUTH.0003"' "killb unknown token"
json_post /api/v2/auth/refresh "{\"refreshToken\":\"$killb_refresh\"}"
expect_status 201 "killb refresh (rotate)"
expect_json '.expiresIn == 3600000 and .refreshToken != "'"$killb_refresh"'"' "killb refresh"
json_post /api/v2/auth/refresh "{\"refreshToken\":\"$killb_refresh\"}"
expect_status 401 "killb refresh reuse (rotate)"
[[ $body == '{"errorCode":"AUTH.0003","message":["Invalid token"],"statusCode":"401"}' ]] || fail "killb reuse body: $body"
expect_stat .killb.refresh_reuse 1
control config '{"killb":{"refresh_policy":"reuse","login_status":200}}'
json_post /api/v2/auth/login "$demo_json"
expect_status 200 "killb login_status 200"
reusable=$(field refreshToken)
for i in 1 2; do
    json_post /api/v2/auth/refresh "{\"refreshToken\":\"$reusable\"}"
    expect_status 200 "killb refresh (reuse policy) #$i"
done
expect_stat .killb.refresh_reuse 1

echo "== novabilling"
json_post /api/auth/login "$demo_json"
expect_status 200 "novabilling login"
expect_json '(.tenant.apiKey | test("^sk_live_[0-9a-f]{64}$")) and (.tenant.webhookSecret | startswith("whsec_")) and .tenant.isActive and (has("expiresIn") | not)' "novabilling login"
nova_access=$(field accessToken)
nova_refresh=$(field refreshToken)
api_key=$(jq -r .tenant.apiKey <<<"$body")
json_post /api/auth/login '{"email":"demo@example.com","password":"nope"}'
expect_status 401 "novabilling bad password"
expect_json '.statusCode == 401 and .message == "Invalid credentials" and .errors == null and .path == "/api/auth/login" and (.timestamp | test("Z$"))' "novabilling 401"
call POST /api/auth/login -d "$demo_json"
expect_status 400 "novabilling without JSON Content-Type"
expect_json '.message == "Validation failed"' "novabilling content type"
json_post /api/auth/login '{"email":"demo@example.com","password":"demo-password","x":1}'
expect_status 400 "novabilling extra property"
expect_json '.errors == [{"field":"property","message":"property x should not exist"}]' "novabilling extra property"
call GET /api/tenants/me -H "Authorization: Bearer $nova_access"
expect_status 200 "novabilling tenants/me"
call GET /api/tenants/me -H "Authorization: Bearer $api_key"
expect_status 401 "novabilling tenants/me with API key"
expect_json '.message == "Unauthorized"' "novabilling tenants/me with API key"
call GET /api/customers -H "Authorization: Bearer $api_key"
expect_status 200 "novabilling customers with API key"
expect_json '.data == []' "novabilling customers"
call GET /api/customers
expect_json '.message == "Missing Authorization header"' "novabilling customers no header"
json_post /api/auth/refresh "{\"refreshToken\":\"$nova_refresh\"}"
expect_status 200 "novabilling refresh (rotate)"
expect_json '(has("tenant") | not) and (.accessToken | length > 0)' "novabilling refresh"
json_post /api/auth/refresh "{\"refreshToken\":\"$nova_refresh\"}"
expect_status 401 "novabilling refresh reuse (rotate)"
expect_json '.message == "Invalid or expired refresh token"' "novabilling reuse"
expect_stat .novabilling.refresh_reuse 1
control config '{"novabilling":{"refresh_policy":"stateless"}}'
json_post /api/auth/login "$demo_json"
stateless=$(field refreshToken)
jwt_claims "$stateless" | jq -e 'keys == ["email","exp","iat","sub"] and .exp - .iat == 604800' >/dev/null \
    || fail "novabilling stateless refresh claims: $(jwt_claims "$stateless")"
json_post /api/auth/refresh "{\"refreshToken\":\"$stateless\"}"
expect_status 200 "novabilling stateless refresh #1"
first=$body
json_post /api/auth/refresh "{\"refreshToken\":\"$stateless\"}"
expect_status 200 "novabilling stateless refresh reused"
if [[ $body != "$first" ]]; then
    # Byte-identical unless the two calls straddled a second boundary.
    [[ $(jwt_claims "$(field accessToken)" | jq .iat) != $(jwt_claims "$(jq -r .accessToken <<<"$first")" | jq .iat) ]] \
        || fail "novabilling stateless refreshes in one second differ"
fi
json_post /api/auth/refresh '{"refreshToken":"garbage"}'
expect_status 401 "novabilling garbage refresh"
expect_stat .novabilling.refresh_reuse 1

echo "== oauth2"
call POST /oauth2/token -u demo-client:demo-client-secret -d 'grant_type=client_credentials&scope=read+billing%3Aall'
expect_status 200 "oauth2 client_credentials"
expect_json '.token_type == "Bearer" and .expires_in == 3600 and .scope == "read billing:all" and (has("refresh_token") | not)' "oauth2 cc"
expect_header Cache-Control no-store "oauth2 cc"
oauth_access=$(field access_token)
call POST /oauth2/token -u demo-client:wrong -d grant_type=client_credentials
expect_status 401 "oauth2 bad client"
expect_json '.error == "invalid_client"' "oauth2 bad client"
expect_header WWW-Authenticate 'Basic realm="mockbill"' "oauth2 bad client"
call POST /oauth2/token -d 'grant_type=password&username=demo%40example.com&password=demo-password&client_id=demo-client&client_secret=demo-client-secret'
expect_status 200 "oauth2 password grant (body client auth)"
oauth_refresh=$(field refresh_token)
[[ $oauth_refresh != null ]] || fail "oauth2 password grant: no refresh_token: $body"
call POST /oauth2/token -u demo-client:demo-client-secret -d 'grant_type=password&username=demo@example.com&password=bad'
expect_status 400 "oauth2 bad user password"
expect_json '.error == "invalid_grant"' "oauth2 bad user password"
call POST /oauth2/token -u demo-client:demo-client-secret -d "grant_type=refresh_token&refresh_token=$oauth_refresh"
expect_status 200 "oauth2 refresh"
expect_json '.refresh_token != "'"$oauth_refresh"'"' "oauth2 refresh rotates"
call POST /oauth2/token -u demo-client:demo-client-secret -d "grant_type=refresh_token&refresh_token=$oauth_refresh"
expect_status 400 "oauth2 refresh reuse"
expect_json '.error == "invalid_grant"' "oauth2 refresh reuse"
expect_stat .oauth2.refresh_reuse 1
call POST /oauth2/token -u demo-client:demo-client-secret -d grant_type=magic
expect_json '.error == "unsupported_grant_type"' "oauth2 unknown grant"
call POST /oauth2/token -u demo-client:demo-client-secret -d scope=x
expect_status 400 "oauth2 missing grant_type"
expect_json '.error == "invalid_request"' "oauth2 missing grant_type"
call GET /oauth2/resource -H "Authorization: Bearer $oauth_access"
expect_status 200 "oauth2 resource"
expect_json '.ok == true' "oauth2 resource"

echo "== oauth2 secrets that form-encoding changes, basic_decoding on and off"
by_auth='.oauth2_client_auth | "\(.basic) \(.post) \(.none)"'
read -r basic_before post_before none_before <<<"$(stats_value "$by_auth")"
control config '{"oauth2":{"client_secret":"s+cr/t=x:y%z"}}'
call POST /oauth2/token -u 'demo-client:s%2Bcr%2Ft%3Dx%3Ay%25z' -d grant_type=client_credentials
expect_status 200 "oauth2 form-encoded Basic, decoding server"
control config '{"oauth2":{"basic_decoding":false}}'
call POST /oauth2/token -u 'demo-client:s%2Bcr%2Ft%3Dx%3Ay%25z' -d grant_type=client_credentials
expect_status 401 "oauth2 form-encoded Basic, raw server"
call POST /oauth2/token -u 'demo-client:s+cr/t=x:y%z' -d grant_type=client_credentials
expect_status 200 "oauth2 raw Basic, raw server"
call POST /oauth2/token -d 'grant_type=client_credentials&client_id=demo-client&client_secret=s%2Bcr%2Ft%3Dx%3Ay%25z'
expect_status 200 "oauth2 body, raw server"
call POST /oauth2/token -d 'grant_type=client_credentials&client_id=demo-client'
expect_status 401 "oauth2 no secret"
expect_stat "$by_auth" "$((basic_before + 3)) $((post_before + 1)) $((none_before + 1))"
json_post /_mock/config '{"oauth2":{"client_secret":""}}'
expect_status 400 "config empty client_secret"
control config '{"oauth2":{"client_secret":"demo-client-secret","basic_decoding":true}}'

echo "== users, opaque tokens, config validation"
control users '{"email":"alice@example.com","password":"s3cret"}'
json_post /api/v2/auth/login '{"email":"alice@example.com","password":"s3cret"}'
expect_status 200 "killb login as a created user"
control config '{"killb":{"opaque_tokens":true},"oauth2":{"opaque_tokens":true}}'
json_post /api/v2/auth/login "$demo_json"
opaque=$(field accessToken)
[[ $opaque =~ ^[0-9a-f]{40}$ ]] || fail "killb opaque token: $opaque"
call GET /api/v2/auth/me -H "Authorization: Bearer $opaque"
expect_status 200 "killb me with opaque token"
call POST /oauth2/token -u demo-client:demo-client-secret -d grant_type=client_credentials
[[ $(field access_token) =~ ^[0-9a-f]{40}$ ]] || fail "oauth2 opaque token: $body"
json_post /_mock/config '{"killb":{"bogus":1}}'
expect_status 400 "config unknown key"
json_post /_mock/config '{"killb":{"lifetime":"long"}}'
expect_status 400 "config wrong type"

echo "== expiry"
control reset '{}'
control config '{"aviate":{"lifetime":1},"killb":{"lifetime":1},"novabilling":{"lifetime":1},"oauth2":{"lifetime":1}}'
call POST /plugins/aviate-plugin/v1/auth -H "$demo_basic"
aviate_token=$(field token)
json_post /api/v2/auth/login "$demo_json"
killb_access=$(field accessToken)
expect_json '.expiresIn == 1000' "killb expiresIn in ms"
json_post /api/auth/login "$demo_json"
nova_access=$(field accessToken)
call POST /oauth2/token -u demo-client:demo-client-secret -d grant_type=client_credentials
oauth_access=$(field access_token)
sleep 2.1
call GET /plugins/aviate-plugin/v1/catalog/info -H "Authorization: Bearer $aviate_token" \
    -H 'X-Killbill-ApiKey: demo-tenant' -H 'X-Killbill-ApiSecret: demo-secret'
expect_status 401 "aviate expired"
call GET /api/v2/auth/me -H "Authorization: Bearer $killb_access"
expect_status 401 "killb expired"
[[ $body == '{"errorCode":"AUTH.0002","message":["Token expired"],"statusCode":"401"}' ]] || fail "killb expired body: $body"
call GET /api/tenants/me -H "Authorization: Bearer $nova_access"
expect_status 401 "novabilling expired"
call GET /oauth2/resource -H "Authorization: Bearer $oauth_access"
expect_status 401 "oauth2 expired"
for api in aviate killb novabilling oauth2; do expect_stat ".$api.expired_requests" 1; done

echo "== faults"
control reset '{}'
control faults '{"api":"killb","endpoint":"login","kind":"status","status":503,"retry_after":"5","retry_after_body":5}'
json_post /api/v2/auth/login "$demo_json"
expect_status 503 "status fault"
expect_header Retry-After 5 "status fault"
expect_json '.statusCode == "503" and .retryAfter == 5' "status fault"
control faults '{"api":"novabilling","endpoint":"login","kind":"delay","delay_ms":300}'
start_ns=$(date +%s%N)
json_post /api/auth/login "$demo_json"
elapsed_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
expect_status 200 "delay fault"
(( elapsed_ms >= 300 )) || fail "delay fault answered after ${elapsed_ms} ms"
control faults '{"api":"*","endpoint":"auth","kind":"reset"}'
json_post /api/v2/auth/login "$demo_json"
expect_rc 56 "reset fault"
control faults '{"api":"oauth2","endpoint":"login","kind":"truncate"}'
call POST /oauth2/token -u demo-client:demo-client-secret -d grant_type=client_credentials
expect_rc 18 "truncate fault"
control faults '{"api":"aviate","endpoint":"login","kind":"garbage"}'
call POST /plugins/aviate-plugin/v1/auth -H "$demo_basic"
expect_status 200 "garbage fault"
[[ $body == '<html>oops' ]] || fail "garbage fault body: $body"
control faults '{"api":"killb","endpoint":"refresh","kind":"hang"}'
call POST /api/v2/auth/refresh -H 'Content-Type: application/json' -d '{"refreshToken":"x"}' --max-time 1
expect_rc 28 "hang fault"
control faults '{"api":"killb","endpoint":"resource","kind":"status","status":500,"count":-1}'
call GET /api/v2/users
expect_status 500 "forever fault #1"
call GET /api/v2/users
expect_status 500 "forever fault #2"
curl -sS -f -X DELETE "$base/_mock/faults" >/dev/null || fail "DELETE /_mock/faults"
call GET /api/v2/users
expect_status 401 "after DELETE /_mock/faults"
expect_stat .total.faults_injected 8

echo "== rate limit"
control config '{"novabilling":{"rate_limit":{"limit":2,"window":60}}}'
for i in 1 2; do json_post /api/auth/login "$demo_json"; expect_status 200 "rate limit, login #$i"; done
json_post /api/auth/login "$demo_json"
expect_status 429 "rate limit (real style)"
expect_header Retry-After 60 "rate limit (real style)"
expect_json '.message == "ThrottlerException: Too Many Requests" and .errors == null and (has("retryAfter") | not)' "rate limit real"
control reset '{}'
control config '{"novabilling":{"rate_limit":{"limit":2,"window":60},"throttle_style":"docs"}}'
for i in 1 2 3; do json_post /api/auth/login "$demo_json"; done
expect_status 429 "rate limit (docs style)"
expect_header Retry-After 60 "rate limit (docs style)"
[[ $body == '{"statusCode":429,"message":"Rate limit exceeded. Try again in 60 seconds","retryAfter":60}' ]] || fail "docs 429 body: $body"
expect_stat .novabilling.rate_limited 1

echo "== chaos"
control reset '{}'
control chaos '{"probability":1,"kinds":["status"],"seed":1}'
json_post /api/v2/auth/login "$demo_json"
[[ $status =~ ^(500|502|503|429)$ ]] || fail "chaos status: $status"
control chaos '{"probability":0}'
json_post /api/v2/auth/login "$demo_json"
expect_status 201 "chaos off"

echo "== stats and calls"
control reset '{}'
json_post /api/v2/auth/login "$demo_json"
json_post /api/v2/auth/login '{"email":"demo@example.com","password":"x"}'
control faults '{"api":"killb","endpoint":"login","kind":"reset"}'
json_post /api/v2/auth/login "$demo_json"
call GET /_mock/stats
expect_json '.killb.login_calls == 3 and .killb.logins_ok == 1 and .killb.login_rejected == 1 and .killb.faults_injected == 1 and .total.login_calls == 3' "stats"
call GET /_mock/calls
expect_json '[.calls[] | [.api, .endpoint, .status, .fault]] == [["killb","login",201,"none"],["killb","login",401,"none"],["killb","login",0,"reset"]]' "calls"
expect_json '.calls[0].t <= .calls[1].t and .calls[1].t <= .calls[2].t' "calls order"

echo "== https"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1 || fail "openssl req"
start tls --quiet --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem"
grep -qx "mockbill listening on https://127.0.0.1:$port" "$tmp/tls.out" || fail "tls banner: $(cat "$tmp/tls.out")"
base="https://127.0.0.1:$port"
call POST /api/v2/auth/login --cacert "$tmp/cert.pem" -H 'Content-Type: application/json' -d "$demo_json"
expect_status 201 "killb login over https"

echo "== shutdown"
for p in "${pids[@]}"; do
    kill -TERM "$p"
    rc=0
    wait "$p" || rc=$?
    [[ $rc == 0 ]] || fail "mockbill exited $rc after SIGTERM"
done
pids=()
echo "mockbill smoke test: OK"
