// SPDX-License-Identifier: MIT
// The connection reaper on a real io_context with deadlines of tens of milliseconds. Every
// wait is bounded by run_for.
#include "serve/reaper.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <optional>
#include <vector>

using namespace tokend::agent;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

namespace reaper_test {

struct fixture {
    asio::io_context ioc;
    tokend::agent::reaper r{ioc.get_executor()};
    bool run_over = false;

    fixture()
    {
        asio::co_spawn(ioc, r.run(), [this](std::exception_ptr) { run_over = true; });
    }
    ~fixture()
    {
        r.stop();
        ioc.run_for(50ms);
    }

    // Runs the loop until `done` or `limit`.
    template <class Pred>
    void run_until(Pred done, std::chrono::milliseconds limit = 2000ms)
    {
        auto until = steady::now() + limit;
        while (!done() && steady::now() < until)
            ioc.run_for(2ms);
    }
};

// What an entry was told: nullopt while nothing, else whether the agent is shutting down.
struct watched {
    std::optional<bool> told;
    steady::time_point when{};
    tokend::agent::reaper::entry e;
    explicit watched(tokend::agent::reaper& r) : e(r, [this](bool shutting_down) {
        told = shutting_down;
        when = steady::now();
    })
    {
    }
};

} // namespace reaper_test

BOOST_FIXTURE_TEST_SUITE(reaper, reaper_test::fixture)

BOOST_AUTO_TEST_CASE(an_entry_is_told_at_its_deadline_and_not_before)
{
    reaper_test::watched w(r);
    auto start = steady::now();
    w.e.expires_at(start + 60ms);
    ioc.run_for(20ms);
    BOOST_TEST(!w.told.has_value());
    run_until([&] { return w.told.has_value(); });
    BOOST_TEST_REQUIRE(w.told.has_value());
    BOOST_TEST(*w.told == false);
    BOOST_TEST((w.when - start >= 60ms));
    BOOST_TEST((w.when - start < 1000ms));
}

BOOST_AUTO_TEST_CASE(an_earlier_deadline_rearms_the_timer)
{
    reaper_test::watched far(r), near(r);
    far.e.expires_at(steady::now() + 10s);
    ioc.run_for(10ms); // the timer now sleeps until the far deadline
    auto start = steady::now();
    near.e.expires_at(start + 30ms);
    run_until([&] { return near.told.has_value(); });
    BOOST_TEST_REQUIRE(near.told.has_value());
    BOOST_TEST((near.when - start < 1000ms));
    BOOST_TEST(!far.told.has_value());
}

BOOST_AUTO_TEST_CASE(a_moved_deadline_counts_not_the_old_one)
{
    reaper_test::watched w(r);
    w.e.expires_at(steady::now() + 30ms);
    w.e.expires_at(steady::now() + 10s); // the session answered a request: idle again
    ioc.run_for(150ms);
    BOOST_TEST(!w.told.has_value());
}

BOOST_AUTO_TEST_CASE(expire_all_tells_every_entry_that_the_agent_stops)
{
    reaper_test::watched a(r), b(r), c(r);
    a.e.expires_at(steady::now() + 10s);
    {
        reaper_test::watched gone(r); // unlinks itself: never called
        gone.e.expires_at(steady::now() + 10s);
    }
    r.expire_all();
    for (auto* w : {&a, &b, &c}) {
        BOOST_TEST_REQUIRE(w->told.has_value());
        BOOST_TEST(*w->told == true);
    }
}

BOOST_AUTO_TEST_CASE(stop_ends_the_run_loop)
{
    reaper_test::watched w(r);
    w.e.expires_at(steady::now() + 10s);
    r.stop();
    run_until([&] { return run_over; });
    BOOST_TEST(run_over);
    BOOST_TEST(!w.told.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
