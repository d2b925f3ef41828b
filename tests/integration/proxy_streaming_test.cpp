// SPDX-License-Identifier: MIT
// Bodies stream through the proxy both ways and never sit in tokend's memory (docs/proxy.md):
// 512 MiB down (Content-Length and chunked) and up (chunked and Content-Length), the bytes
// compared by SHA-256, tokend's VmRSS sampled all along. The data is mockbill's pattern
// (tests/support/pattern.hpp), generated on the fly on both sides: no file is written.
#include "pattern.hpp"
#include "proxy_harness.hpp"
#include "raw_client.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

using namespace tokend::test;
namespace json = boost::json;

BOOST_AUTO_TEST_SUITE(proxy_streaming)

// Helpers live inside the suite's namespace, so a unity build can merge test files.
namespace {

constexpr std::uint64_t big = 512ull << 20;
constexpr long allowed_growth_kb = 16 * 1024;
constexpr std::size_t piece = 1 << 20;

// Samples a process's VmRSS every few milliseconds until destroyed.
class rss_sampler {
public:
    explicit rss_sampler(pid_t pid)
        : pid_(pid)
        , baseline_(proc_status_kb(pid, "VmRSS"))
        , peak_(baseline_)
        , thread_([this] {
            while (!stop_) {
                long kb = proc_status_kb(pid_, "VmRSS");
                if (kb > peak_)
                    peak_ = kb;
                std::this_thread::sleep_for(5ms);
            }
        })
    {
    }
    ~rss_sampler() { finish(); }
    rss_sampler(const rss_sampler&) = delete;
    rss_sampler& operator=(const rss_sampler&) = delete;

    long baseline_kb() const { return baseline_; }
    // Stops sampling; returns the growth over the first sample, in kB.
    long finish()
    {
        stop_ = true;
        if (thread_.joinable())
            thread_.join();
        return peak_ - baseline_;
    }

private:
    pid_t pid_;
    long baseline_;
    std::atomic<long> peak_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// A profile, warmed up: its token fetched and one small call made through the proxy, so that
// what is sampled is the transfer and not the first login or the first connection.
void warm_up(proxy_harness& h)
{
    h.start(h.killb_profile("killb"));
    auto r = h.call("GET", "/killb/_api/small");
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST_REQUIRE(r->status == 200, r->body);
}

struct transfer {
    int status = 0;
    std::uint64_t bytes = 0;
    std::string sha, expected_sha, body;
    long growth_kb = 0, baseline_kb = 0;
    double seconds = 0;
};

transfer download(proxy_harness& h, bool chunked)
{
    const std::uint64_t seed = chunked ? 77 : 42;
    http_probe conn(h.tcp);
    BOOST_TEST_REQUIRE(conn.connected());
    BOOST_TEST_REQUIRE(conn.send(http_request("GET",
                                              "/killb/_api/bytes?n=" + std::to_string(big) + "&seed=" + std::to_string(seed)
                                                  + (chunked ? "&chunked=1" : ""),
                                              h.host)));
    transfer t;
    sha256 got, want;
    std::string expected;
    auto start = std::chrono::steady_clock::now();
    rss_sampler rss(h.a->process().pid());
    auto r = conn.read_response(120s, [&](std::string_view bytes) {
        expected.resize(bytes.size());
        fill_pattern(seed, t.bytes, expected.data(), expected.size());
        want.update(expected);
        got.update(bytes);
        t.bytes += bytes.size();
    });
    t.growth_kb = rss.finish();
    t.baseline_kb = rss.baseline_kb();
    t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    BOOST_TEST_REQUIRE(r.has_value(), "the download did not complete: " << t.bytes << " bytes");
    if (!chunked)
        BOOST_TEST(!r->chunked, "a Content-Length answer reached the client chunked");
    t.status = r->status;
    t.sha = got.hex();
    t.expected_sha = want.hex();
    return t;
}

transfer upload(proxy_harness& h, bool chunked)
{
    const std::uint64_t seed = chunked ? 5 : 6;
    http_probe conn(h.tcp);
    BOOST_TEST_REQUIRE(conn.connected());
    std::string head = std::string(chunked ? "POST" : "PUT") + " /killb/_api/upload HTTP/1.1\r\nHost: " + h.host
                       + "\r\nContent-Type: application/octet-stream\r\n"
                       + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + std::to_string(big) + "\r\n")
                       + "\r\n";
    transfer t;
    sha256 sent;
    std::string data(piece, '\0');
    auto start = std::chrono::steady_clock::now();
    rss_sampler rss(h.a->process().pid());
    BOOST_TEST_REQUIRE(conn.send(head));
    for (std::uint64_t at = 0; at < big; at += piece) {
        fill_pattern(seed, at, data.data(), data.size());
        sent.update(data);
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", data.size());
        bool ok = (!chunked || conn.send(size)) && conn.send(data) && (!chunked || conn.send("\r\n"));
        BOOST_TEST_REQUIRE(ok, "tokend stopped reading the upload at " << at << " bytes");
    }
    BOOST_TEST_REQUIRE((!chunked || conn.send("0\r\n\r\n")));
    auto r = conn.read_response(60s);
    t.growth_kb = rss.finish();
    t.baseline_kb = rss.baseline_kb();
    t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    BOOST_TEST_REQUIRE(r.has_value(), "no answer to the upload");
    t.status = r->status;
    t.body = r->body;
    t.expected_sha = sent.hex();
    std::error_code ec;
    json::value v = json::parse(r->body, ec);
    if (!ec && v.is_object() && v.as_object().contains("sha256")) {
        t.sha = std::string(v.at("sha256").as_string());
        t.bytes = static_cast<std::uint64_t>(v.at("bytes").to_number<std::int64_t>());
    }
    return t;
}

void report(const std::string& what, const transfer& t)
{
    BOOST_TEST_MESSAGE(what << ": " << t.bytes << " bytes in " << t.seconds << " s, tokend VmRSS " << t.baseline_kb
                            << " kB at the start, grew by at most " << t.growth_kb << " kB");
    BOOST_TEST(t.baseline_kb > 0); // the sampler read /proc
}

} // namespace


BOOST_AUTO_TEST_CASE(a_512_mib_download_with_content_length_streams_in_bounded_memory)
{
    // Setup
    proxy_harness h;
    warm_up(h);

    // Exercise
    transfer t = download(h, false);
    report("download, Content-Length", t);

    // Check
    BOOST_TEST(t.status == 200);
    BOOST_TEST(t.bytes == big);
    BOOST_TEST(t.sha == t.expected_sha);
    BOOST_TEST(t.growth_kb < allowed_growth_kb);
}

BOOST_AUTO_TEST_CASE(a_512_mib_chunked_download_streams_in_bounded_memory)
{
    // Setup
    proxy_harness h;
    warm_up(h);

    // Exercise
    transfer t = download(h, true);
    report("download, chunked", t);

    // Check
    BOOST_TEST(t.status == 200);
    BOOST_TEST(t.bytes == big);
    BOOST_TEST(t.sha == t.expected_sha);
    BOOST_TEST(t.growth_kb < allowed_growth_kb);
}

BOOST_AUTO_TEST_CASE(a_512_mib_chunked_upload_streams_in_bounded_memory)
{
    // Setup
    proxy_harness h;
    warm_up(h);

    // Exercise
    transfer t = upload(h, true);
    report("upload, chunked", t);

    // Check: mockbill counted and hashed what it received.
    BOOST_TEST(t.status == 200, t.body);
    BOOST_TEST(t.bytes == big);
    BOOST_TEST(t.sha == t.expected_sha);
    BOOST_TEST(t.growth_kb < allowed_growth_kb);
}

BOOST_AUTO_TEST_CASE(a_512_mib_upload_with_content_length_streams_in_bounded_memory)
{
    // Setup
    proxy_harness h;
    warm_up(h);

    // Exercise
    transfer t = upload(h, false);
    report("upload, Content-Length", t);

    // Check
    BOOST_TEST(t.status == 200, t.body);
    BOOST_TEST(t.bytes == big);
    BOOST_TEST(t.sha == t.expected_sha);
    BOOST_TEST(t.growth_kb < allowed_growth_kb);
    BOOST_TEST(h.status("killb").at("proxied").as_int64() == 2); // the warm-up and the upload
}

BOOST_AUTO_TEST_SUITE_END()
