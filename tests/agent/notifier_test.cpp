// SPDX-License-Identifier: MIT
// The coroutine condition variable (sys/async.hpp) on a real io_context: deadlines, wake-all,
// and a deadline already past. Every wait is bounded by run_for.
#include "sys/async.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <optional>
#include <vector>

using namespace tokend::agent;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

namespace notifier_test {

struct fixture {
    asio::io_context ioc;
    tokend::agent::notifier n;

    struct outcome {
        std::optional<bool> notified;
        steady::time_point at{};
    };

    // Starts a waiter whose result lands in `out`.
    void wait(outcome& out, steady::time_point deadline)
    {
        asio::co_spawn(ioc, n.wait_until(deadline), [&out](std::exception_ptr e, bool notified) {
            BOOST_TEST(!e);
            out.notified = notified;
            out.at = steady::now();
        });
    }

    template <class Pred>
    void run_until(Pred done, std::chrono::milliseconds limit = 2000ms)
    {
        auto until = steady::now() + limit;
        while (!done() && steady::now() < until)
            ioc.run_for(2ms);
    }
};

} // namespace notifier_test

BOOST_FIXTURE_TEST_SUITE(notifier, notifier_test::fixture)

BOOST_AUTO_TEST_CASE(a_wait_ends_unnotified_at_its_deadline)
{
    outcome o;
    auto start = steady::now();
    wait(o, start + 50ms);
    run_until([&] { return o.notified.has_value(); });
    BOOST_TEST_REQUIRE(o.notified.has_value());
    BOOST_TEST(*o.notified == false);
    BOOST_TEST((o.at - start >= 50ms));
    BOOST_TEST((o.at - start < 1000ms));
}

BOOST_AUTO_TEST_CASE(a_deadline_already_past_returns_at_once)
{
    outcome o;
    auto start = steady::now();
    wait(o, start - 1s);
    run_until([&] { return o.notified.has_value(); });
    BOOST_TEST_REQUIRE(o.notified.has_value());
    BOOST_TEST(*o.notified == false);
    BOOST_TEST((o.at - start < 500ms));
}

BOOST_AUTO_TEST_CASE(notify_all_wakes_every_waiter_before_its_deadline)
{
    std::vector<outcome> waiters(5);
    for (auto& o : waiters)
        wait(o, steady::now() + 10s);
    ioc.run_for(10ms); // all parked
    for (auto& o : waiters)
        BOOST_TEST(!o.notified.has_value());
    auto start = steady::now();
    n.notify_all();
    run_until([&] { return std::all_of(waiters.begin(), waiters.end(), [](auto& o) { return o.notified.has_value(); }); });
    for (auto& o : waiters) {
        BOOST_TEST_REQUIRE(o.notified.has_value());
        BOOST_TEST(*o.notified == true);
        BOOST_TEST((o.at - start < 1000ms));
    }
}

BOOST_AUTO_TEST_CASE(a_notification_is_not_kept_for_later_waiters)
{
    n.notify_all(); // nobody waits: nothing to remember
    outcome o;
    wait(o, steady::now() + 40ms);
    run_until([&] { return o.notified.has_value(); });
    BOOST_TEST_REQUIRE(o.notified.has_value());
    BOOST_TEST(*o.notified == false);
}

BOOST_AUTO_TEST_CASE(only_the_waiters_parked_at_the_notification_wake)
{
    outcome first, second;
    wait(first, steady::now() + 10s);
    ioc.run_for(5ms);
    n.notify_all();
    wait(second, steady::now() + 40ms); // parks after the notification
    run_until([&] { return first.notified.has_value() && second.notified.has_value(); });
    BOOST_TEST_REQUIRE(first.notified.has_value());
    BOOST_TEST_REQUIRE(second.notified.has_value());
    BOOST_TEST(*first.notified == true);
    BOOST_TEST(*second.notified == false);
}

BOOST_AUTO_TEST_SUITE_END()
