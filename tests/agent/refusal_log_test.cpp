// SPDX-License-Identifier: MIT
// Refused peers are logged at most once a minute per uid, with a count (docs/security.md,
// "Another local user on a shared host"). The integration suite socket_claim checks the
// same through a running agent.
#include "serve/refusal_log.hpp"

#include <boost/test/unit_test.hpp>

using namespace tokend::agent;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(refusals)

BOOST_AUTO_TEST_CASE(a_burst_gives_one_line_then_one_count_when_the_minute_is_over)
{
    // Setup
    refusal_log log;
    const auto t0 = refusal_log::clock::time_point{} + 1h;

    // Exercise: 100 refusals of one uid within 30 s.
    std::vector<std::string> lines;
    for (int i = 0; i < 100; ++i)
        if (auto line = log.refused(65534, 1000 + i, t0 + i * 300ms))
            lines.push_back(*line);

    // Check: one line now; the count is due a minute after it, not before.
    BOOST_TEST_REQUIRE(lines.size() == 1u);
    BOOST_TEST(lines[0] == "refused a connection from uid 65534 (pid 1000): not the agent's user");
    BOOST_TEST_REQUIRE(log.next_due().has_value());
    BOOST_TEST((*log.next_due() == t0 + 60s));
    BOOST_TEST(log.due(t0 + 59s).empty());
    auto counted = log.due(t0 + 60s);
    BOOST_TEST_REQUIRE(counted.size() == 1u);
    BOOST_TEST(counted[0]
               == "refused 99 more connections from uid 65534 since the last such line (latest pid 1099): "
                  "not the agent's user");
    BOOST_TEST(!log.next_due().has_value());
}

BOOST_AUTO_TEST_CASE(uids_are_counted_apart_and_a_quiet_uid_is_news_again)
{
    // Setup
    refusal_log log;
    const auto t0 = refusal_log::clock::time_point{} + 1h;

    // Exercise and check: a second uid gets its own first line.
    BOOST_TEST(log.refused(65534, 1, t0).has_value());
    BOOST_TEST(log.refused(4242, 2, t0 + 1s).has_value());
    BOOST_TEST(!log.refused(65534, 3, t0 + 2s).has_value());
    BOOST_TEST(!log.refused(4242, 4, t0 + 3s).has_value());

    // A refusal after the minute, before due() ran: the count comes with it, itself included.
    auto late = log.refused(65534, 5, t0 + 70s);
    BOOST_TEST_REQUIRE(late.has_value());
    BOOST_TEST(*late == "refused 2 more connections from uid 65534 since the last such line (latest pid 5): "
                        "not the agent's user");
    auto flushed = log.flush();
    BOOST_TEST_REQUIRE(flushed.size() == 1u);
    BOOST_TEST(flushed[0].find("refused 1 more connection from uid 4242") == 0u, flushed[0]);

    // Quiet for a minute: the next refusal is logged as a first one again.
    BOOST_TEST(log.due(t0 + 200s).empty());
    auto again = log.refused(4242, 6, t0 + 201s);
    BOOST_TEST_REQUIRE(again.has_value());
    BOOST_TEST(*again == "refused a connection from uid 4242 (pid 6): not the agent's user");
}

BOOST_AUTO_TEST_SUITE_END()
