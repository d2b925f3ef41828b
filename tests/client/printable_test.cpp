// SPDX-License-Identifier: MIT
// What tok lets through to a terminal (docs/client.md, "Agent text on your terminal"): agent
// and upstream text with its control characters spelled out, plain text and UTF-8 as they are.
#include "tok/output.hpp"
#include "tok/report.hpp"

#include <tok/client.hpp>

#include <boost/test/unit_test.hpp>

using namespace tok::cli;

BOOST_AUTO_TEST_SUITE(printable_text)

BOOST_AUTO_TEST_CASE(control_characters_are_spelled_out_and_utf8_is_kept)
{
    struct case_t {
        std::string in, out;
    };
    const case_t cases[] = {
        {"plain text, 100% ASCII ~", "plain text, 100% ASCII ~"},
        {"\x1b[31mred\x1b[0m", "\\u001b[31mred\\u001b[0m"},
        {"a\rb\nc\td", "a\\u000db\\u000ac\\u0009d"},
        {"del\x7f", "del\\u007f"},
        {"csi \xc2\x9b" "2J, nel \xc2\x85", "csi \\u009b2J, nel \\u0085"},   // C1 controls as UTF-8
        {"s\xc3\xbc\xc3\x9f \xe2\x80\x94 \xf0\x9f\x94\x91", "s\xc3\xbc\xc3\x9f \xe2\x80\x94 \xf0\x9f\x94\x91"},
        {"raw \x9b and \xff", "raw \\x9b and \\xff"},                      // not UTF-8
        {"overlong \xc0\xaf, surrogate \xed\xa0\x80", "overlong \\xc0\\xaf, surrogate \\xed\\xa0\\x80"},
        {"cut \xe2\x80", "cut \\xe2\\x80"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.out)
        {
            BOOST_TEST(printable(c.in) == c.out);
        }
    }
    BOOST_TEST(printable(std::string("nul\0!", 5)) == "nul\\u0000!");
}

BOOST_AUTO_TEST_CASE(newlines_may_be_kept_for_multi_line_output)
{
    BOOST_TEST(printable("row 1\nrow\r 2\n", true) == "row 1\nrow\\u000d 2\n");
}

BOOST_AUTO_TEST_CASE(plain_text_allows_tabs_and_newlines_only)
{
    BOOST_TEST(is_plain_text("Authorization: Bearer abc.def\nX-Key:\tv\xc3\xa9\n"));
    BOOST_TEST(!is_plain_text("Bearer abc\x1b[2J"));
    BOOST_TEST(!is_plain_text("Bearer abc\r\nX-Injected: yes"));
    BOOST_TEST(!is_plain_text("abc\xc2\x9b"));
    BOOST_TEST(!is_plain_text("abc\xff"));
}

BOOST_AUTO_TEST_CASE(failure_lines_carry_no_control_characters)
{
    // Exercise
    auto line = failure_line(make_error_code(tok::errc::credentials_rejected), "login refused: \x1b]0;owned\x07\r\n");

    // Check
    BOOST_TEST(line == "tok: login refused: \\u001b]0;owned\\u0007\\u000d\\u000a");
}

BOOST_AUTO_TEST_SUITE_END()
