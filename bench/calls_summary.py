#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Reads mockbill's /_mock/calls and prints how the upstream calls of many profiles spread over
# time, as one bench/run result line: counts, spans, and the peak number of calls in any
# one-second bucket, for logins and refreshes separately.
import json
import sys
from collections import Counter


def spread(times):
    if not times:
        return {"n": 0, "span_s": 0.0, "peak_per_s": 0, "mean_per_s": 0.0, "peak_per_100ms": 0}
    t0, t1 = min(times), max(times)
    per_s = Counter(int(t) for t in times)
    per_100ms = Counter(int(t * 10) for t in times)
    span = max(t1 - t0, 1e-3)
    return {"n": len(times), "span_s": round(span, 2), "peak_per_s": max(per_s.values()),
            "mean_per_s": round(len(times) / max(span, 1.0), 1), "peak_per_100ms": max(per_100ms.values())}


def main():
    calls = json.load(open(sys.argv[1]))["calls"]
    fields = []
    for kind in ("login", "refresh"):
        s = spread([c["t"] for c in calls if c["endpoint"] == kind])
        fields += [f"{kind}_{k}={v}" for k, v in s.items()]
    print("jitter 10000 tokend 0 " + " ".join(fields))


if __name__ == "__main__":
    main()
