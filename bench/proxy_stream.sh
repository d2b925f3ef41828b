# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Sourced by bench/proxy.sh: tokend's memory while a download and an upload of $stream_bytes
# stream through its proxy from mockbill (a killb profile), its RSS sampled every 100 ms.
# nginx streams the same as the reference.
# Uses proxy.sh's $tmp, $srv, $mockbill, start_nginx, start_tokend, on_client_cpu, rss_kib, die, log.

"${srv[@]}" "$mockbill" --port-file "$tmp/mb.port" --quiet >"$tmp/mockbill.log" 2>&1 &
pids+=($!)
mb_pid=$!
for _ in $(seq 500); do [[ -s $tmp/mb.port ]] && break; sleep 0.02; done
[[ -s $tmp/mb.port ]] || die "mockbill did not start: $(head -c 300 "$tmp/mockbill.log")"
mb="http://127.0.0.1:$(cat "$tmp/mb.port")"
curl -sf -X POST -d '{"killb":{"lifetime":86400}}' "$mb/_mock/config" >/dev/null || die "mockbill's /_mock/config failed"
printf 'demo-password\n' >"$tmp/password"
chmod 600 "$tmp/password"

start_tokend stream "[profile.k]
provider = \"killb\"
url = \"$mb\"
email = \"demo@example.com\"
password_file = \"$tmp/password\""
st_pid=$tokend_pid st_base=$proxy_base
# The first request logs in and opens the pooled upstream connection: not part of the growth.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$st_base/k/_api/small")
[[ $code == 200 ]] || die "GET /k/_api/small through tokend answered $code"
# The same header for curl straight to mockbill (the reference rate), from a 0600 file, not argv.
"$bench" --socket "$tmp/stream.sock" --print-answer --request '{"op":"get","profile":"k"}' |
    python3 -c 'import json, sys; print("Authorization: Bearer " + json.load(sys.stdin)["token"])' >"$tmp/auth.header"
chmod 600 "$tmp/auth.header"
# nginx in front of mockbill as the reference: streaming both ways, as tokend does.
nx_stream_port=$(free_port)
start_nginx stream "
    upstream mockbill {
        server ${mb#http://};
        keepalive 8;
    }
    server {
        listen 127.0.0.1:$nx_stream_port;
        client_max_body_size 0;
        location /k/ {
            proxy_pass http://mockbill/;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Authorization '$(cut -d' ' -f2- "$tmp/auth.header")';
            proxy_buffering off;
            proxy_request_buffering off;
        }
    }"
nx_stream_worker=${nginx_pids#* } nx_stream_base=http://127.0.0.1:$nx_stream_port/k
wait_http "$nx_stream_base/_api/small"

# sample_while PID WATCHED: WATCHED's highest RSS (KiB) until PID exits, sampled every 100 ms
sample_while() {
    local top=0 now
    while kill -0 "$1" 2>/dev/null; do
        now=$(rss_kib "$2")
        ((now > top)) && top=$now
        sleep 0.1
    done
    echo "$top"
}

# stream NAME WATCHED OUT IN CURL-ARGS...: one curl (answer to OUT, request body from IN) with
# the RSS of process WATCHED sampled; appends a result line
stream() {
    local name=$1 watched=$2 out=$3 in=$4 before top after curl_pid code secs down up first
    shift 4
    before=$(rss_kib "$watched")
    on_client_cpu curl -sS --max-time 600 -o "$out" \
        -w '%{http_code} %{time_total} %{size_download} %{size_upload} %{time_starttransfer}' \
        "$@" <"$in" >"$tmp/$name.w" 2>"$tmp/$name.err" &
    curl_pid=$!
    top=$(sample_while "$curl_pid" "$watched")
    wait "$curl_pid" || die "$name failed: $(head -c 300 "$tmp/$name.err")"
    after=$(rss_kib "$watched")
    ((top > before)) || top=$before
    read -r code secs down up first <"$tmp/$name.w" || true # curl -w writes no newline
    [[ $code == 200 ]] || die "$name answered $code"
    echo "stream 0 $name 0 bytes=$stream_bytes seconds=$secs first_s=$first down=$down up=$up rss_before_kib=$before" \
        "rss_max_kib=$top rss_after_kib=$after" >>"$results"
    stream_down=$down stream_up=$up
}

mib=$((stream_bytes >> 20))
mkfifo -m 600 "$tmp/upload.fifo"
# upload NAME WATCHED BASE CURL-ARGS...: $stream_bytes of zeros PUT to BASE/_api/upload. A sized body
# from a pipe: without the empty Transfer-Encoding header curl would add chunked encoding beside
# the Content-Length. It also sends Expect: 100-continue (tokend answers it).
upload() {
    local name=$1 watched=$2 base=$3
    shift 3
    head -c "$stream_bytes" /dev/zero >"$tmp/upload.fifo" &
    stream "$name" "$watched" "$tmp/$name.out" "$tmp/upload.fifo" -T - -H "Transfer-Encoding:" \
        -H "Content-Length: $stream_bytes" "$@" "$base/_api/upload"
    grep -q "\"bytes\":$stream_bytes\b" "$tmp/$name.out" || die "$name: mockbill got less: $(head -c 300 "$tmp/$name.out")"
}
log "streams: $mib MiB down and up, straight to mockbill, through nginx and through tokend"
stream download_direct "$st_pid" /dev/null /dev/null -H @"$tmp/auth.header" "$mb/_api/bytes?n=$stream_bytes"
upload upload_direct "$st_pid" "$mb" -H @"$tmp/auth.header"
stream download_nginx "$nx_stream_worker" /dev/null /dev/null "$nx_stream_base/_api/bytes?n=$stream_bytes"
upload upload_nginx "$nx_stream_worker" "$nx_stream_base"
stream download "$st_pid" /dev/null /dev/null "$st_base/k/_api/bytes?n=$stream_bytes"
((stream_down == stream_bytes)) || die "the download through tokend stopped at $stream_down bytes"
upload upload "$st_pid" "$st_base/k"
kill "$st_pid" "${nginx_pids%% *}" "$mb_pid" 2>/dev/null || true
