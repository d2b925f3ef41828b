// SPDX-License-Identifier: MIT
#include <tokend/proto/line_buffer.hpp>

#include <boost/test/unit_test.hpp>

#include <cstring>
#include <string>
#include <vector>

using namespace tokend::proto;
using status = line_buffer::status;

namespace {

// Feeds `data` in chunks of `chunk` bytes, collecting lines; stops at too_large.
std::vector<std::string> feed(line_buffer& b, const std::string& data, std::size_t chunk, bool* too_large = nullptr)
{
    std::vector<std::string> lines;
    std::size_t at = 0;
    for (;;) {
        std::string_view line;
        status s = b.next(line);
        if (s == status::line) {
            lines.emplace_back(line);
            continue;
        }
        if (s == status::too_large) {
            if (too_large)
                *too_large = true;
            return lines;
        }
        if (at == data.size())
            return lines;
        auto space = b.prepare();
        std::size_t n = std::min({chunk, space.size(), data.size() - at});
        std::memcpy(space.data(), data.data() + at, n);
        b.commit(n);
        at += n;
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(framing)

BOOST_AUTO_TEST_CASE(splits_lines_whatever_the_read_sizes)
{
    const std::string data = "{\"op\":\"hello\"}\n{\"op\":\"status\"}\r\n\n{\"a\":1}\npartial";
    for (std::size_t chunk : {1u, 2u, 7u, 64u, 4096u}) {
        BOOST_TEST_CONTEXT("chunk " << chunk)
        {
            line_buffer b;
            auto lines = feed(b, data, chunk);
            BOOST_TEST_REQUIRE(lines.size() == 4u);
            BOOST_TEST(lines[0] == "{\"op\":\"hello\"}");
            BOOST_TEST(lines[1] == "{\"op\":\"status\"}"); // CR dropped
            BOOST_TEST(lines[2] == "");
            BOOST_TEST(b.buffered() == std::strlen("partial"));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_line_of_exactly_the_limit_passes)
{
    line_buffer b(100);
    bool too_large = false;
    auto lines = feed(b, std::string(100, 'x') + "\n", 33, &too_large);
    BOOST_TEST(!too_large);
    BOOST_TEST_REQUIRE(lines.size() == 1u);
    BOOST_TEST(lines[0].size() == 100u);
}

BOOST_AUTO_TEST_CASE(reports_too_large_as_soon_as_the_limit_is_crossed)
{
    // Setup: 101 bytes with no newline in sight, and much more that would follow.
    line_buffer b(100);
    bool too_large = false;

    // Exercise
    auto lines = feed(b, std::string(101, 'x'), 7, &too_large);

    // Check: crossing is enough, no newline needed.
    BOOST_TEST(too_large);
    BOOST_TEST(lines.empty());
}

BOOST_AUTO_TEST_CASE(a_long_line_after_short_ones_is_still_caught)
{
    line_buffer b(64 * 1024);
    bool too_large = false;
    auto lines = feed(b, "{\"op\":\"hello\"}\n" + std::string(70000, 'y') + "\n", 4096, &too_large);
    BOOST_TEST(lines.size() == 1u);
    BOOST_TEST(too_large);
}

BOOST_AUTO_TEST_CASE(buffer_shrinks_back_after_a_big_line)
{
    line_buffer b;
    feed(b, std::string(60000, 'z') + "\n", 8192);
    BOOST_TEST(b.empty());
    BOOST_TEST(b.prepare().size() <= 4096u);
}

BOOST_AUTO_TEST_SUITE_END()
