// SPDX-License-Identifier: MIT
#include <tokend/proto/duration.hpp>

#include <boost/test/unit_test.hpp>

using namespace tokend::proto;
using namespace std::chrono;

BOOST_AUTO_TEST_SUITE(durations)

BOOST_AUTO_TEST_CASE(parses_what_configuration_md_allows)
{
    BOOST_TEST(parse_duration("90")->count() == 90'000);
    BOOST_TEST(parse_duration("90s")->count() == 90'000);
    BOOST_TEST(parse_duration("5m")->count() == 300'000);
    BOOST_TEST(parse_duration("1h")->count() == 3'600'000);
    BOOST_TEST(parse_duration("1h30m")->count() == 5'400'000);
    BOOST_TEST(parse_duration("250ms")->count() == 250);
    BOOST_TEST(parse_duration("2d")->count() == 172'800'000);
}

BOOST_AUTO_TEST_CASE(refuses_everything_else)
{
    for (const char* bad : {"", "s", "-5s", "5x", "5 m", "1.5h", "10m5", "99999999999999999999h", "5mm"})
        BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!parse_duration(bad).has_value()); }
}

BOOST_AUTO_TEST_CASE(formats_for_humans)
{
    BOOST_TEST(format_duration(milliseconds(350)) == "350ms");
    BOOST_TEST(format_duration(seconds(9)) == "9s");
    BOOST_TEST(format_duration(seconds(245)) == "4m05s");
    BOOST_TEST(format_duration(minutes(41) + seconds(20)) == "41m");
    BOOST_TEST(format_duration(hours(2) + minutes(5)) == "2h05m");
    BOOST_TEST(format_duration(hours(49)) == "2d01h");
    BOOST_TEST(format_duration(-seconds(3)) == "-3s");
}

BOOST_AUTO_TEST_SUITE_END()
