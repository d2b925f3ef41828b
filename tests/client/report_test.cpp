// SPDX-License-Identifier: MIT
// tok's exit codes and error lines (docs/client.md, "Exit codes").
#include "tok/report.hpp"

#include <tok/client.hpp>

#include <boost/test/unit_test.hpp>

using namespace tok::cli;
using tok::errc;

BOOST_AUTO_TEST_SUITE(report)

BOOST_AUTO_TEST_CASE(exit_codes_follow_docs_client_md)
{
    struct case_t {
        errc code;
        int exit;
    };
    const case_t cases[] = {
        {errc::bad_request, 1},         {errc::permission_denied, 1},    {errc::busy, 1},
        {errc::internal, 1},            {errc::protocol_error, 1},       {errc::agent_unreachable, 3},
        {errc::unknown_profile, 4},     {errc::no_credentials, 5},       {errc::credentials_rejected, 5},
        {errc::upstream_unavailable, 6}, {errc::timeout, 7},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(make_error_code(c.code).message())
        {
            BOOST_TEST(exit_code_for(make_error_code(c.code)) == c.exit);
        }
    }
    BOOST_TEST(exit_code_for({}) == 0);
}

BOOST_AUTO_TEST_CASE(unreachable_agent_line_says_how_to_start_it)
{
    // Exercise
    auto missing = failure_line(make_error_code(errc::agent_unreachable), "tokend is not running at /s (no socket there)");

    // Check
    BOOST_TEST(missing == "tok: tokend is not running at /s (no socket there): start it with "
                          "`systemctl --user start tokend.socket`");
}

BOOST_AUTO_TEST_CASE(agent_messages_are_printed_as_they_are)
{
    // Exercise
    auto unknown = failure_line(make_error_code(errc::unknown_profile), "profile 'x' is not configured; known: a, b");

    // Check
    BOOST_TEST(unknown == "tok: profile 'x' is not configured; known: a, b");
}

BOOST_AUTO_TEST_SUITE_END()
