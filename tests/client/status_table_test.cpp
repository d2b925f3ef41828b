// SPDX-License-Identifier: MIT
// tok status's table: human durations relative to now, aligned columns.
#include "tok/status_table.hpp"

#include <boost/test/unit_test.hpp>

using namespace tok::cli;
using namespace std::chrono_literals;

namespace {

const sys_time now = sys_time(std::chrono::seconds(1'700'000'000));

tok::profile_status profile(std::string name, std::string state)
{
    tok::profile_status p;
    p.name = std::move(name);
    p.provider = "aviate";
    p.state = std::move(state);
    return p;
}

} // namespace

BOOST_AUTO_TEST_SUITE(status_table)

BOOST_AUTO_TEST_CASE(expiry_reads_as_time_left_or_time_since)
{
    // Setup
    auto valid = profile("a", "valid");
    valid.expires_at = now + 41min;
    auto later = profile("b", "valid");
    later.expires_at = now + 2h + 5min + 30s;
    auto expired = profile("c", "expired");
    expired.expires_at = now - 3min;
    auto forever = profile("d", "valid");
    auto none = profile("e", "no_credentials");

    // Exercise / Check
    BOOST_TEST(expires_cell(valid, now) == "in 41m");
    BOOST_TEST(expires_cell(later, now) == "in 2h05m");
    BOOST_TEST(expires_cell(expired, now) == "expired 3m ago");
    BOOST_TEST(expires_cell(forever, now) == "never");
    BOOST_TEST(expires_cell(none, now) == "\xe2\x80\x94");
}

BOOST_AUTO_TEST_CASE(refresh_and_error_cells)
{
    // Setup
    auto p = profile("a", "failing");
    p.refresh_at = now + 36min;
    p.last_error = "HTTP 503";
    p.last_error_at = now - 2min;
    auto due = profile("b", "refreshing");
    due.refresh_at = now - 1s;

    // Exercise / Check
    BOOST_TEST(refresh_cell(p, now) == "in 36m");
    BOOST_TEST(refresh_cell(due, now) == "now");
    BOOST_TEST(refresh_cell(profile("c", "idle"), now) == "\xe2\x80\x94");
    BOOST_TEST(error_cell(p, now) == "HTTP 503 (2m ago)");
    BOOST_TEST(error_cell(due, now) == "\xe2\x80\x94");
}

BOOST_AUTO_TEST_CASE(columns_align_by_display_width)
{
    // Setup: "—" is three bytes but one column.
    auto a = profile("a-long-name", "valid");
    a.expires_at = now + 41min;
    auto b = profile("b", "no_credentials");

    // Exercise
    std::string table = render_status_table({a, b}, now);

    // Check
    BOOST_TEST(table ==
               "PROFILE      PROVIDER  STATE           EXPIRES  NEXT REFRESH  LAST ERROR\n"
               "a-long-name  aviate    valid           in 41m   \xe2\x80\x94             \xe2\x80\x94\n"
               "b            aviate    no_credentials  \xe2\x80\x94        \xe2\x80\x94             \xe2\x80\x94\n");
}

BOOST_AUTO_TEST_SUITE_END()
