// SPDX-License-Identifier: MIT
// tok curl's reading of curl arguments: replayability and the final HTTP status.
#include "tok/curl_args.hpp"

#include <boost/test/unit_test.hpp>

using namespace tok::cli;

BOOST_AUTO_TEST_SUITE(curl_args)

BOOST_AUTO_TEST_CASE(requests_that_read_stdin_are_not_replayable)
{
    struct case_t {
        std::vector<std::string> args;
        bool replayable;
    };
    const case_t cases[] = {
        {{"https://x"}, true},
        {{"-d", "a=1", "https://x"}, true},
        {{"--data-raw", "@-", "https://x"}, true}, // --data-raw never reads files
        {{"-o", "-", "https://x"}, true},          // output, not input
        {{"-d", "@-", "https://x"}, false},
        {{"-d@-", "https://x"}, false},
        {{"-sSd", "@-", "https://x"}, false},
        {{"-sSd@-", "https://x"}, false},
        {{"--data-binary", "@-", "https://x"}, false},
        {{"--data-urlencode", "name@-", "https://x"}, false},
        {{"--json", "@-", "https://x"}, false},
        {{"-T", "-", "https://x"}, false},
        {{"--upload-file", ".", "https://x"}, false},
        {{"-F", "file=@-", "https://x"}, false},
        {{"-F", "text=<-;type=text/plain", "https://x"}, false},
        {{"-K", "-"}, false},
        {{"-H", "@-", "https://x"}, false},
        {{"-X", "-d", "https://x"}, true}, // "-d" here is -X's value
    };
    for (const auto& c : cases) {
        std::string joined;
        for (const auto& a : c.args)
            joined += a + " ";
        BOOST_TEST_CONTEXT(joined)
        {
            // Exercise
            auto facts = scan_curl_args(c.args);

            // Check
            BOOST_TEST(replayable(facts) == c.replayable);
        }
    }
}

BOOST_AUTO_TEST_CASE(notices_the_users_own_header_dump_and_progress_bar)
{
    // Exercise
    auto dump = scan_curl_args({"-sD", "h.txt", "https://x"});
    auto long_dump = scan_curl_args({"--dump-header", "h.txt", "https://x"});
    auto bar = scan_curl_args({"-#", "https://x"});
    auto plain = scan_curl_args({"-s", "https://x"});

    // Check
    BOOST_TEST(dump.dumps_headers);
    BOOST_TEST(long_dump.dumps_headers);
    BOOST_TEST(bar.wants_progress);
    BOOST_TEST(!plain.dumps_headers);
    BOOST_TEST(!plain.wants_progress);
}

BOOST_AUTO_TEST_CASE(final_status_is_the_last_status_line)
{
    // Setup
    const std::string redirected = "HTTP/1.1 302 Found\r\nLocation: /b\r\n\r\n"
                                   "HTTP/1.1 100 Continue\r\n\r\n"
                                   "HTTP/2 401 \r\ncontent-type: application/json\r\n\r\n";

    // Exercise / Check
    BOOST_TEST(final_http_status(redirected).value_or(0) == 401);
    BOOST_TEST(final_http_status("HTTP/1.1 200 OK\r\n\r\n").value_or(0) == 200);
    BOOST_TEST(!final_http_status("").has_value());
    BOOST_TEST(!final_http_status("garbage\n").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
