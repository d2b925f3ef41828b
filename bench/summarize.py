#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Turns bench/run's raw result lines into the table of docs/performance.md: medians over the
# rounds, ratios taken within each round (then their median), the targets met or missed, and
# optionally the latency picture (gnuplot, SVG).
#   result line: SECTION CONNS SERVER ROUND key=value...
import argparse
import os
import statistics
import subprocess
from collections import defaultdict


def load(path):
    runs = defaultdict(dict)  # (section, conns, server) -> round -> {key: value}
    for line in open(path):
        parts = line.split()
        if len(parts) < 4:
            continue
        section, conns, server, rnd = parts[0], int(parts[1]), parts[2], int(parts[3])
        values = {}
        for kv in parts[4:]:
            k, _, v = kv.partition("=")
            try:
                values[k] = float(v)
            except ValueError:
                pass
        runs[(section, conns, server)][rnd] = values
    return runs


class results:
    def __init__(self, runs):
        self.runs = runs

    def median(self, section, conns, server, key):
        vals = [r[key] for r in self.runs.get((section, conns, server), {}).values() if key in r]
        return statistics.median(vals) if vals else None

    def ratio(self, section, conns, a, b, key):
        """Median over rounds of a/b, each ratio taken within one round."""
        ra, rb = self.runs.get((section, conns, a), {}), self.runs.get((section, conns, b), {})
        vals = [ra[k][key] / rb[k][key] for k in ra if k in rb and key in ra[k] and rb[k].get(key)]
        return statistics.median(vals) if vals else None


def fmt(v, digits=1):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"


def table(title, header, rows):
    print(f"\n{title}")
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for row in [header] + rows:
        print("  " + "  ".join(str(x).rjust(w) if i else str(x).ljust(w) for i, (x, w) in enumerate(zip(row, widths))))


def latency_tables(r, conns_by_section):
    for section, title, servers in (
        ("persistent", "persistent connections: get of a static profile", ("tokend", "floor")),
        ("connect", "a fresh connection per request", ("tokend", "floor", "git")),
    ):
        rows = []
        for c in conns_by_section.get(section, []):
            for s in servers:
                if (section, c, s) not in r.runs:
                    continue
                m = lambda k: r.median(section, c, s, k)
                vs_floor = r.ratio(section, c, s, "floor", "rps") if s != "floor" else None
                vs_git = r.ratio(section, c, s, "git", "rps") if s == "tokend" and section == "connect" else None
                rows.append([c, s, fmt(m("rps"), 0), fmt(m("p50_us")), fmt(m("p99_us")), fmt(m("p999_us")),
                             fmt(m("server_cpu_us"), 2), fmt(vs_floor, 2) if vs_floor else "",
                             fmt(vs_git, 2) if vs_git else ""])
        header = ["conns", "server", "req/s", "p50 µs", "p99 µs", "p99.9 µs", "server CPU µs/req", "× floor req/s",
                  "× git req/s"]
        if section == "persistent":
            header, rows = header[:-1], [row[:-1] for row in rows]
        table(title, header, rows)


def process_table(r):
    rows = []
    for name, label in (("tok", "tok header s"), ("static", "tok-static-client (static C)"),
                        ("git", "git credential-cache get")):
        v = r.median("process", 1, name, "median_ms")
        vs = r.ratio("process", 1, name, "static", "median_ms") if name != "static" else None
        rows.append([label, fmt(v, 3), fmt(vs, 2) if vs else ""])
    table("whole process (hyperfine medians)", ["command", "ms", "× static C"], rows)


def scale_table(r):
    ns = sorted({c for (sec, c, _) in r.runs if sec == "scale"})
    if not ns:
        return
    rows = []
    for n in ns:
        m = lambda k: r.median("scale", n, "tokend", k)
        rows.append([n, fmt(m("ready_ms"), 1), fmt(m("rss_ready_kib") / 1024 if m("rss_ready_kib") else None, 2),
                     fmt(m("server_rss_kib") / 1024 if m("server_rss_kib") else None, 2), fmt(m("rps"), 0),
                     fmt(m("p50_us")), fmt(m("p99_us")), fmt(m("p999_us"))])
    table("scale: killb profiles against mockbill; get at 16 connections with 1,000 idle connections open",
          ["profiles", "ready ms", "RSS ready MiB", "RSS loaded MiB", "req/s", "p50 µs", "p99 µs", "p99.9 µs"], rows)


def growth_and_jitter(r):
    g = r.runs.get(("growth", 16, "tokend"), {}).get(0)
    if g:
        print(f"\nmemory: RSS {g['rss_start_kib']:.0f} KiB at start, {g['rss_after_kib']:.0f} KiB after "
              f"{g['requests']:,.0f} requests, {g['rss_after2_kib']:.0f} KiB after {g['requests']:,.0f} more "
              f"(growth over the second batch: {g['rss_after2_kib'] - g['rss_after_kib']:+.0f} KiB)")
    j = r.runs.get(("jitter", 10000, "tokend"), {}).get(0)
    if j:
        print(f"refresh spread, 10,000 profiles: {j['login_n']:.0f} logins over {j['login_span_s']:.1f} s "
              f"(peak {j['login_peak_per_s']:.0f}/s, mean {j['login_mean_per_s']:.0f}/s); "
              f"{j['refresh_n']:.0f} refreshes over {j['refresh_span_s']:.1f} s "
              f"(peak {j['refresh_peak_per_s']:.0f}/s, mean {j['refresh_mean_per_s']:.0f}/s, "
              f"peak {j['refresh_peak_per_100ms']:.0f} per 100 ms)")


def targets(r):
    checks = []

    def check(name, value, ok, shown):
        checks.append([name, shown if value is not None else "not measured",
                       "-" if value is None else ("met" if ok(value) else "MISSED")])

    for c in (16, 256):
        v = r.ratio("persistent", c, "tokend", "floor", "rps")
        check(f"persistent get req/s at {c} conns >= 0.75x floor", v, lambda x: x >= 0.75, f"{fmt(v, 3)}x")
    v = r.ratio("persistent", 256, "tokend", "floor", "p99_us")
    check("p99 at 256 conns <= 2x floor's", v, lambda x: x <= 2, f"{fmt(v, 3)}x")
    cpu = [r.median("persistent", c, "tokend", "server_cpu_us") for c in (1, 16, 256)]
    cpu = [x for x in cpu if x is not None]
    v = max(cpu) if cpu else None
    check("server CPU per persistent request <= 3.5 µs", v, lambda x: x <= 3.5, f"{fmt(v, 2)} µs (worst of 1/16/256)")
    conns = sorted({c for (sec, c, s) in r.runs if sec == "connect"})
    for c in conns:
        v = r.ratio("connect", c, "tokend", "floor", "rps")
        check(f"connection-per-request rate at {c} conns >= 0.8x floor", v, lambda x: x >= 0.8, f"{fmt(v, 3)}x")
        v = r.ratio("connect", c, "tokend", "git", "rps")
        check(f"connection-per-request rate at {c} conns >= 0.9x git daemon", v, lambda x: x >= 0.9, f"{fmt(v, 3)}x")
    v = r.ratio("persistent", 1, "tokend", "floor", "p50_us")
    check("single-client round trip (p50) <= 1.2x floor", v, lambda x: x <= 1.2, f"{fmt(v, 3)}x")
    v = r.ratio("process", 1, "tok", "static", "median_ms")
    check("tok header <= 1.25x static C client", v, lambda x: x <= 1.25, f"{fmt(v, 3)}x")
    v = r.ratio("process", 1, "tok", "git", "median_ms")
    check("tok header faster than git credential-cache get", v, lambda x: x < 1, f"{fmt(v, 3)}x")
    v = r.median("scale", 1000, "tokend", "server_rss_kib")
    check("RSS <= 10 MiB, 1,000 profiles + 1,000 idle conns", v, lambda x: x <= 10240,
          f"{fmt(v / 1024 if v else None, 2)} MiB")
    g = r.runs.get(("growth", 16, "tokend"), {}).get(0)
    v = g["rss_after2_kib"] - g["rss_after_kib"] if g else None
    n = f"{g['requests']:,.0f}" if g else "10^6"
    check(f"no RSS growth over {n} more requests", v, lambda x: x <= 0, f"{fmt(v, 0)} KiB")
    v = r.median("scale", 10000, "tokend", "ready_ms")
    check("ready <= 100 ms with 10,000 profiles", v, lambda x: x <= 100, f"{fmt(v, 1)} ms")
    table("targets (ratios taken within each round, then the median)", ["target", "measured", ""], checks)


def plot(r, conns_by_section, svg, datadir):
    series = [("persistent", "tokend"), ("persistent", "floor"), ("connect", "tokend"), ("connect", "floor"),
              ("connect", "git")]
    files = {}
    for sec, s in series:
        path = os.path.join(datadir, f"plot-{sec}-{s}.dat")
        with open(path, "w") as f:
            for c in conns_by_section.get(sec, []):
                vals = [r.median(sec, c, s, k) for k in ("p50_us", "p99_us", "p999_us")]
                if None not in vals:
                    f.write(f"{c} {vals[0]} {vals[1]} {vals[2]}\n")
        files[(sec, s)] = path
    colors = {"tokend": "#1f77b4", "floor": "#2ca02c", "git": "#d62728"}
    lines = ["set terminal svg size 1000,420 dynamic font 'sans,11' background '#ffffff'",
             f"set output '{svg}'", "set multiplot layout 1,2",
             "set logscale xy", "set grid", "set xlabel 'concurrent connections'",
             "set ylabel 'latency (µs)'", "set xtics (1, 16, 256)",
             "set key top left opaque box samplen 2 font ',9'"]
    for sec, title in (("persistent", "persistent connections"), ("connect", "a connection per request")):
        cs = conns_by_section.get(sec, [1])
        lines.append(f"set title '{title}'")
        lines.append(f"set xrange [{min(cs) / 1.5}:{max(cs) * 1.5}]")
        parts = []
        for (s_sec, s), path in files.items():
            if s_sec != sec or os.path.getsize(path) == 0:
                continue
            for col, (pname, dash) in zip((2, 3, 4), (("p50", 1), ("p99", 2), ("p99.9", 3))):
                parts.append(f"'{path}' using 1:{col} with linespoints dt {dash} lc rgb '{colors[s]}' "
                             f"title '{s} {pname}'")
        lines.append("plot " + ", ".join(parts))
    lines.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(lines) + "\n", text=True, check=True)
    print(f"\nplot: {svg}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--pin", default="same")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--answer-bytes", type=int, default=0)
    ap.add_argument("--git-bytes", type=int, default=0)
    ap.add_argument("--plot")
    ap.add_argument("--plot-data")
    a = ap.parse_args()
    r = results(load(a.results))
    conns_by_section = defaultdict(list)
    for (sec, c, _) in sorted(r.runs):
        if c not in conns_by_section[sec]:
            conns_by_section[sec].append(c)
    placement = {"same": "servers and load generator pinned to CPU 0",
                 "split": "servers on CPU 1, load generator on CPU 0", "none": "unpinned"}[a.pin]
    with open("/proc/loadavg") as f:
        load_avg = " ".join(f.read().split()[:3])
    print(f"tokend benchmark: medians of {a.rounds} round(s), order rotated each round; {placement}; "
          f"{os.cpu_count()} CPUs, load average now {load_avg}")
    print(f"answers: tokend get {a.answer_bytes} B (the floor sends the same bytes), git daemon {a.git_bytes} B")
    latency_tables(r, conns_by_section)
    process_table(r)
    scale_table(r)
    growth_and_jitter(r)
    targets(r)
    if a.plot:
        plot(r, conns_by_section, a.plot, a.plot_data or os.path.dirname(a.results))


if __name__ == "__main__":
    main()
