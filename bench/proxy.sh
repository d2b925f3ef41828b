#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tokend's HTTP proxy beside nginx (docs/performance.md, "HTTP proxy vs nginx"). One nginx
# (one worker) serves a small JSON: the fast upstream. In front of it, a second nginx (one
# worker, an upstream block with keepalive) and tokend's proxy (a static profile) each add the
# same `Authorization: Bearer` header. wrk drives the upstream directly and through each proxy;
# then tokend's RSS is sampled while a download and an upload stream through it from mockbill.
# Run by bench/run (pass --no-proxy there to skip it); runs alone too:
#   bench/proxy.sh [BUILD_DIR] [--rounds N] [--seconds S] [--smoke] [--plot] [--pin same|split|none] [--keep]
#   --smoke     2 s per measurement, connections 1/16/256, a 64 MiB stream: checks that it all runs
#   --plot      also draws docs/proxy-latency.svg (gnuplot)
#   --pin       as bench/run: same (default; everything on CPU 0), split (servers on CPU 1,
#               wrk on CPU 0), none
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

build=$root/build rounds=3 seconds=5 smoke=0 plot=0 pin=same keep=0
while (($#)); do
    case $1 in
    --rounds) rounds=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --smoke) smoke=1 ;;
    --plot) plot=1 ;;
    --pin) pin=$2; shift ;;
    --keep) keep=1 ;;
    -h | --help) sed -n '2,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) echo "bench/proxy.sh: unknown option $1" >&2; exit 2 ;;
    *) build=$(cd "$1" && pwd) ;;
    esac
    shift
done

tokend=$build/agent/tokend mockbill=$build/tests/mockbill/mockbill bench=$build/bench/tokend-bench
for b in "$tokend" "$mockbill" "$bench"; do
    [[ -x $b ]] || { echo "bench/proxy.sh: $b is missing; build it first (ninja -C $build tokend mockbill tokend-bench)" >&2; exit 1; }
done
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $nginx ]] || { echo "bench/proxy.sh: needs nginx (Debian nginx-light; scripts/deps.sh installs it)" >&2; exit 1; }
for t in wrk curl taskset python3; do
    command -v "$t" >/dev/null || { echo "bench/proxy.sh: needs $t (scripts/deps.sh installs it)" >&2; exit 1; }
done
((plot)) && ! command -v gnuplot >/dev/null && { echo "bench/proxy.sh: --plot needs gnuplot (gnuplot-nox)" >&2; exit 1; }

if ((smoke)); then
    rounds=1 seconds=2 conns=(1 16 256) stream_bytes=$((64 << 20))
else
    conns=(1 16 64 256) stream_bytes=$((1 << 30))
fi
case $pin in
same) srv_cpu=0 cli_cpu=0 ;;
split) srv_cpu=1 cli_cpu=0 ;;
none) srv_cpu="" cli_cpu="" ;;
*) echo "bench/proxy.sh: --pin same|split|none" >&2; exit 2 ;;
esac
on_client_cpu() { if [[ -n $cli_cpu ]]; then taskset -c "$cli_cpu" "$@"; else "$@"; fi; }
srv=(); [[ -n $srv_cpu ]] && srv=(taskset -c "$srv_cpu")

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
tmp=$(mktemp -d /tmp/tokend-proxy-bench.XXXXXX)
chmod 700 "$tmp"
mkdir -m 700 "$tmp/home"
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home XDG_RUNTIME_DIR=$tmp
unset TOKEND_SOCK
results=$tmp/results
: >"$results"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if ((keep)); then echo "bench/proxy.sh: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

log() { echo "bench/proxy.sh: $*" >&2; }
die() { log "$*"; exit 1; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# cpu_ns PID...: CPU time of every thread of these processes so far, in ns (schedstat)
cpu_ns() {
    local p t ns sum=0
    for p in "$@"; do
        for t in /proc/"$p"/task/*/schedstat; do read -r ns _ <"$t" && sum=$((sum + ns)); done
    done
    echo "$sum"
}
# wait_http URL: until URL answers at all (bounded: 10 s)
wait_http() {
    for _ in $(seq 500); do curl -s -o /dev/null "$1" && return 0; sleep 0.02; done
    die "nothing answered at $1"
}

# ---- the servers ---------------------------------------------------------------------------
token=$(openssl rand -hex 512) # 1 KiB, as bench/run's static profile
small='{"ok":true,"items":[1,2,3]}'

# start_nginx NAME SERVER-BLOCKS: one master and one worker, everything under $tmp/NAME;
# sets $nginx_pids (master and worker: the worker does the work, the master's CPU is counted too)
start_nginx() {
    local dir=$tmp/$1 user="" master worker
    mkdir -m 700 "$dir"
    [[ $(id -u) -eq 0 ]] && user="user root;" # the default worker user (nobody) could not enter $tmp
    cat >"$dir/nginx.conf" <<EOF
$user
worker_processes 1;
daemon off;
master_process on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    # nginx closes a client connection after 1,000 requests by default; tokend does not
    keepalive_requests 1000000;
$2
}
EOF
    chmod 600 "$dir/nginx.conf"
    "${srv[@]}" "$nginx" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" >"$dir/stdout" 2>&1 &
    master=$!
    pids+=("$master")
    for _ in $(seq 500); do
        worker=$(pgrep -P "$master" || true)
        [[ -n $worker ]] && break
        kill -0 "$master" 2>/dev/null || { cat "$dir/error.log" "$dir/stdout" >&2; die "nginx ($1) did not start"; }
        sleep 0.02
    done
    [[ -n $worker ]] || die "nginx ($1) started no worker"
    nginx_pids="$master $worker"
}

up_port=$(free_port)
start_nginx upstream "
    server {
        listen 127.0.0.1:$up_port;
        default_type application/json;
        location = /small { return 200 '$small'; }
        # the sanity check: did a proxy send the profile's header?
        location = /check {
            if (\$http_authorization = 'Bearer $token') { return 200 '$small'; }
            return 401;
        }
    }"
up_pids=$nginx_pids
wait_http "http://127.0.0.1:$up_port/small"

nx_port=$(free_port)
start_nginx proxy "
    upstream api {
        server 127.0.0.1:$up_port;
        keepalive 64;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:$nx_port;
        location /s/ {
            proxy_pass http://api/;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Authorization 'Bearer $token';
        }
    }"
nx_pids=$nginx_pids
wait_http "http://127.0.0.1:$nx_port/s/small"

# start_tokend NAME CONFIG-BODY: tokend with [proxy] listen on a free loopback port; sets
# $tokend_pid and $proxy_base (http://127.0.0.1:PORT, from the hello answer's "proxy" list)
start_tokend() {
    local conf=$tmp/$1.toml sock=$tmp/$1.sock out hello port
    printf '[agent]\nlog_level = "warn"\nmax_connections = 4096\n[proxy]\nlisten = ["127.0.0.1:0"]\n%s\n' "$2" >"$conf"
    chmod 600 "$conf"
    out=$("$bench" --launch --socket "$sock" --protocol line --request '{"op":"hello"}' --timeout 60 \
        --log "$tmp/$1.log" -- "${srv[@]}" "$tokend" --config "$conf" --socket "$sock") \
        || { cat "$tmp/$1.log" >&2; die "tokend ($1) did not start"; }
    tokend_pid=$(sed -n 's/.*\bpid=\([0-9]*\).*/\1/p' <<<"$out")
    pids+=("$tokend_pid")
    hello=$("$bench" --socket "$sock" --print-answer --request '{"op":"hello"}')
    port=$(grep -o '"tcp:127\.0\.0\.1:[0-9]*"' <<<"$hello" | head -1 | tr -dc 0-9. | sed 's/^127\.0\.0\.1//' || true)
    [[ -n $port ]] || die "tokend's hello has no tcp proxy listener: $(head -c 300 <<<"$hello")"
    proxy_base=http://127.0.0.1:$port
}

start_tokend proxy "[profile.s]
provider = \"static\"
token = \"$token\"
api_url = \"http://127.0.0.1:$up_port\""
tk_pids=$tokend_pid tk_base=$proxy_base
tk_rss_ready=$(rss_kib "$tk_pids") nx_rss_ready=$(rss_kib "${nx_pids#* }")

declare -A url=([direct]="http://127.0.0.1:$up_port/small" [nginx]="http://127.0.0.1:$nx_port/s/small"
    [tokend]="$tk_base/s/small")
declare -A front=([direct]=$up_pids [nginx]=$nx_pids [tokend]=$tk_pids)
for t in direct nginx tokend; do
    body=$(curl -sS --max-time 10 "${url[$t]}") || die "$t: ${url[$t]} failed"
    [[ $body == "$small" ]] || die "$t: ${url[$t]} answered $(head -c 200 <<<"$body")"
done
for t in nginx tokend; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "${url[$t]%/small}/check")
    [[ $code == 200 ]] || die "$t did not send the profile's Authorization header upstream (answer $code)"
done
log "load $(cut -d' ' -f1-3 /proc/loadavg); pin=$pin; rounds=$rounds; ${seconds} s per measurement"

# ---- requests: wrk, keep-alive, one thread on the client CPU -------------------------------
# measure TARGET CONNS ROUND: one wrk run; the result line also has the CPU the front server
# (and the upstream nginx) spent per request
# shellcheck disable=SC2086 # the pid lists split into pids on purpose
measure() {
    local t=$1 c=$2 r=$3 out f0 u0 f1 u1
    f0=$(cpu_ns ${front[$t]}) u0=$(cpu_ns $up_pids)
    out=$(on_client_cpu wrk -t1 -c"$c" -d"${seconds}s" --timeout 10s -s "$here/proxy_report.lua" "${url[$t]}" | tail -1)
    f1=$(cpu_ns ${front[$t]}) u1=$(cpu_ns $up_pids)
    [[ $out == requests=* ]] || die "wrk against $t printed no summary"
    echo "proxy $c $t $r $out front_cpu_ns=$((f1 - f0)) upstream_cpu_ns=$((u1 - u0))" >>"$results"
}

rotate() { # rotate N ITEMS...: the items, starting at index N mod count
    local n=$1; shift
    local items=("$@") i
    for ((i = 0; i < ${#items[@]}; i++)); do echo "${items[((i + n) % ${#items[@]})]}"; done
}

if ((!smoke)); then
    log "warm-up: 1 s at 16 connections each"
    for t in direct nginx tokend; do on_client_cpu wrk -t1 -c16 -d1s "${url[$t]}" >/dev/null; done
fi
for ((r = 0; r < rounds; r++)); do
    log "round $((r + 1))/$rounds: connections ${conns[*]}"
    for c in "${conns[@]}"; do
        for t in $(rotate "$r" direct nginx tokend); do measure "$t" "$c" "$r"; done
    done
done
echo "loaded 0 tokend 0 rss_ready_kib=$tk_rss_ready rss_kib=$(rss_kib "$tk_pids")" >>"$results"
echo "loaded 0 nginx 0 rss_ready_kib=$nx_rss_ready rss_kib=$(rss_kib "${nx_pids#* }")" >>"$results"
for p in "${up_pids%% *}" "${nx_pids%% *}" "$tk_pids"; do kill "$p" 2>/dev/null || true; done

# shellcheck source=bench/proxy_stream.sh
source "$here/proxy_stream.sh"

# ---- the table -------------------------------------------------------------------------------
summary=(--results "$results" --pin "$pin" --rounds "$rounds" --seconds "$seconds" --token-bytes "${#token}")
((plot)) && summary+=(--plot "$root/docs/proxy-latency.svg" --plot-data "$tmp")
((smoke)) && summary+=(--smoke)
python3 -B "$here/proxy_summary.py" "${summary[@]}" # -B: no __pycache__ in bench/
