#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# bench/proxy.sh's result lines as the tables of docs/performance.md ("HTTP proxy vs nginx"):
# medians over the rounds, ratios taken within each round (then their median), the issue's
# targets as PASS or MISS (a report: the exit status only says whether every run worked), and
# optionally the latency picture (gnuplot, SVG).
#   result line: SECTION CONNS TARGET ROUND key=value...
import argparse
import os
import statistics
import subprocess
import sys

from summarize import fmt, load, results, table

TARGETS = ("direct", "nginx", "tokend")


def derive(runs):
    """Adds rps and CPU per request to every wrk run; returns the failures worth an exit status."""
    failures = []
    for (section, conns, target), rounds in runs.items():
        if section != "proxy":
            continue
        for rnd, v in rounds.items():
            n = v.get("requests", 0)
            if n <= 0 or v.get("err_status", 0) > 0:
                failures.append(f"{target} at {conns} conns, round {rnd + 1}: {n:.0f} requests, "
                                f"{v.get('err_status', 0):.0f} answers other than 2xx/3xx")
                continue
            v["rps"] = n / (v["duration_us"] / 1e6)
            v["front_cpu_us"] = v["front_cpu_ns"] / 1e3 / n
            v["upstream_cpu_us"] = v["upstream_cpu_ns"] / 1e3 / n
            v["socket_errors"] = sum(v.get(k, 0) for k in ("err_connect", "err_read", "err_write", "err_timeout"))
    return failures


def added_ratio(r, key):
    """Median over rounds of (tokend - direct) / (nginx - direct) at one connection."""
    d, n, t = (r.runs.get(("proxy", 1, s), {}) for s in TARGETS)
    vals = []
    for k in d:
        if k in n and k in t and key in d[k] and key in n[k] and key in t[k] and n[k][key] > d[k][key]:
            vals.append((t[k][key] - d[k][key]) / (n[k][key] - d[k][key]))
    return statistics.median(vals) if vals else None


def load_table(r, conns):
    rows = []
    for c in conns:
        for s in TARGETS:
            if ("proxy", c, s) not in r.runs:
                continue
            m = lambda k: r.median("proxy", c, s, k)
            vs = lambda k: fmt(r.ratio("proxy", c, s, "nginx", k), 2) if s == "tokend" else ""
            rows.append([c, s, fmt(m("rps"), 0), fmt(m("p50_us")), fmt(m("p99_us")), fmt(m("mean_us")),
                         fmt(m("front_cpu_us"), 2), fmt(m("upstream_cpu_us"), 2), fmt(m("socket_errors"), 0),
                         vs("rps"), vs("p99_us")])
    table("GET of a 27-byte JSON, keep-alive, wrk -t1 (direct = the upstream nginx itself)",
          ["conns", "path", "req/s", "p50 µs", "p99 µs", "mean µs", "front CPU µs/req", "upstream CPU µs/req",
           "socket errors", "× nginx req/s", "× nginx p99"], rows)


def added_table(r):
    m = lambda s, k: r.median("proxy", 1, s, k)
    rows = []
    for key, label in (("p50_us", "p50"), ("mean_us", "mean")):
        d = m("direct", key)
        if d is None:
            continue
        n, t = m("nginx", key), m("tokend", key)
        rows.append([label, fmt(d), fmt(n), fmt(t), fmt(n - d if n else None), fmt(t - d if t else None),
                     fmt(added_ratio(r, key), 2)])
    table("one sequential client (wrk -c1 -t1): added latency = through the proxy − direct",
          ["latency", "direct µs", "nginx µs", "tokend µs", "nginx adds µs", "tokend adds µs", "tokend/nginx"], rows)


def stream_lines(r):
    """The streams' table; returns tokend's RSS growth (MiB) per stream."""
    growth, rows = {}, []
    for name in ("download", "upload"):
        for path, key in (("tokend", name), ("nginx", name + "_nginx"), ("direct", name + "_direct")):
            v = r.runs.get(("stream", 0, key), {}).get(0)
            if not v:
                continue
            rate = v["bytes"] / v["seconds"] / 2**20 if v["seconds"] else None
            grew = (v["rss_max_kib"] - v["rss_before_kib"]) / 1024
            if path == "tokend":
                growth[name] = grew
            rss = "" if path == "direct" else \
                f"{v['rss_before_kib'] / 1024:.2f} -> {v['rss_max_kib'] / 1024:.2f} (+{grew:.2f})"
            rows.append([f"{name} {v['bytes'] / 2**20:,.0f} MiB", path, fmt(rate, 0), fmt(v.get("first_s"), 3), rss])
    if rows:
        table("streams (curl; direct = straight to mockbill; RSS of tokend, or of nginx's worker, sampled every "
              "100 ms)", ["stream", "path", "MiB/s", "began after s", "RSS MiB before -> peak"], rows)
    for who, label in (("tokend", "tokend's RSS"), ("nginx", "the nginx proxy's worker's RSS")):
        v = r.runs.get(("loaded", 0, who), {}).get(0)
        if v:
            print(f"{label}: {v['rss_ready_kib'] / 1024:.2f} MiB when ready, {v['rss_kib'] / 1024:.2f} MiB after "
                  f"the request runs (up to {max(c for (s, c, _) in r.runs if s == 'proxy')} connections)")
    return growth


def targets(r, growth):
    checks = []

    def check(name, value, ok, shown):
        checks.append([name, shown if value is not None else "not measured",
                       "-" if value is None else ("PASS" if ok(value) else "MISS")])

    for c in (16, 256):
        v = r.ratio("proxy", c, "tokend", "nginx", "rps")
        check(f"req/s at {c} keep-alive conns >= 0.8x nginx", v, lambda x: x >= 0.8, f"{fmt(v, 2)}x")
    for c in (16, 256):
        v = r.ratio("proxy", c, "tokend", "nginx", "p99_us")
        check(f"p99 at {c} conns <= 1.5x nginx", v, lambda x: x <= 1.5, f"{fmt(v, 2)}x")
    v = added_ratio(r, "p50_us")
    check("one client's added latency (p50) <= 1.2x nginx's", v, lambda x: x <= 1.2, f"{fmt(v, 2)}x")
    for name in ("download", "upload"):
        v = growth.get(name)
        check(f"RSS growth during the {name} < 8 MiB", v, lambda x: x < 8, f"{fmt(v, 2)} MiB")
    table("targets (ratios taken within each round, then the median)", ["target", "measured", ""], checks)


def plot(r, conns, svg, datadir):
    files = {}
    for s in TARGETS:
        path = os.path.join(datadir, f"proxy-plot-{s}.dat")
        with open(path, "w") as f:
            for c in conns:
                p50, p99 = r.median("proxy", c, s, "p50_us"), r.median("proxy", c, s, "p99_us")
                if p50 is not None and p99 is not None:
                    f.write(f"{c} {p50} {p99}\n")
        files[s] = path
    colors = {"tokend": "#1f77b4", "nginx": "#2ca02c", "direct": "#7f7f7f"}
    lines = ["set terminal svg size 700,440 dynamic font 'sans,11' background '#ffffff'",
             f"set output '{svg}'", "set logscale xy", "set grid", "set xlabel 'keep-alive connections (wrk)'",
             "set ylabel 'latency (µs)'", f"set xtics ({', '.join(str(c) for c in conns)})",
             f"set xrange [{min(conns) / 1.5}:{max(conns) * 1.5}]",
             "set title 'GET of a small JSON: through tokend, through nginx, direct'",
             "set key top left opaque box samplen 2 font ',9'"]
    parts = []
    for s in ("tokend", "nginx", "direct"):
        for col, pname, dash in ((2, "p50", 1), (3, "p99", 2)):
            parts.append(f"'{files[s]}' using 1:{col} with linespoints dt {dash} lc rgb '{colors[s]}' "
                         f"title '{s} {pname}'")
    lines.append("plot " + ", ".join(parts))
    subprocess.run(["gnuplot"], input="\n".join(lines) + "\n", text=True, check=True)
    print(f"\nplot: {svg}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--pin", default="same")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--seconds", type=int, default=0)
    ap.add_argument("--token-bytes", type=int, default=0)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--plot")
    ap.add_argument("--plot-data")
    a = ap.parse_args()
    r = results(load(a.results))
    failures = derive(r.runs)
    conns = sorted({c for (sec, c, _) in r.runs if sec == "proxy"})
    placement = {"same": "servers and wrk pinned to CPU 0", "split": "servers on CPU 1, wrk on CPU 0",
                 "none": "unpinned"}[a.pin]
    with open("/proc/loadavg") as f:
        load_avg = " ".join(f.read().split()[:3])
    print(f"\nHTTP proxy vs nginx: medians of {a.rounds} round(s) of {a.seconds} s per measurement, order rotated "
          f"each round; {placement}; {os.cpu_count()} CPUs, load average now {load_avg}; "
          f"a {a.token_bytes}-byte bearer token" + ("; SMOKE RUN: the figures are not measurements" if a.smoke else ""))
    load_table(r, conns)
    added_table(r)
    growth = stream_lines(r)
    targets(r, growth)
    if a.plot:
        plot(r, conns, a.plot, a.plot_data or os.path.dirname(a.results))
    for f in failures:
        print(f"bench/proxy.sh: {f}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
