-- SPDX-License-Identifier: MIT
-- wrk's summary as one line of key=value pairs for bench/proxy.sh (latencies in µs).
done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "requests=%d duration_us=%d p50_us=%.1f p99_us=%.1f mean_us=%.1f max_us=%.1f " ..
        "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean,
        latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
