// SPDX-License-Identifier: MIT
// proto/wipe.hpp: the one wipe shared by the agent, libtok and tok.
#include <tokend/proto/wipe.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <string>

BOOST_AUTO_TEST_SUITE(wipe)

BOOST_AUTO_TEST_CASE(wipes_a_byte_range)
{
    std::array<char, 8> bytes{'s', 'e', 'c', 'r', 'e', 't', '!', '!'};
    tokend::proto::secure_wipe(bytes.data(), 6);
    BOOST_TEST(std::all_of(bytes.begin(), bytes.begin() + 6, [](char c) { return c == 0; }));
    BOOST_TEST(bytes[6] == '!'); // nothing past the range
    tokend::proto::secure_wipe(nullptr, 4); // null and empty are no-ops
    tokend::proto::secure_wipe(bytes.data(), 0);
    BOOST_TEST(bytes[7] == '!');
}

BOOST_AUTO_TEST_CASE(wipes_a_strings_whole_capacity)
{
    // A long secret, then a short value in the same buffer: the tail of the long one lies
    // past size() and must be wiped too.
    std::string s(100, 'x');
    s.assign("short");
    const char* buffer = s.data();
    std::size_t capacity = s.capacity();
    BOOST_REQUIRE_GE(capacity, 100u);
    tokend::proto::secure_wipe(s);
    BOOST_TEST(s.empty());
    BOOST_REQUIRE(s.data() == buffer); // same buffer, so reading it back below is defined
    BOOST_TEST(std::all_of(buffer, buffer + capacity, [](char c) { return c == 0; }));
}

BOOST_AUTO_TEST_SUITE_END()
