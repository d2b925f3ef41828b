// SPDX-License-Identifier: MIT
#include "upstream/base64.hpp"
#include "upstream/jwt.hpp"
#include "jwt_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace tokend::agent;

using test::make_jwt;

BOOST_AUTO_TEST_SUITE(jwt_claims)

BOOST_AUTO_TEST_CASE(reads_iat_and_exp)
{
    auto t = read_jwt_times(make_jwt(R"({"sub":"u","iat":1700000000,"exp":1700003599})"));
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(*t->iat == 1700000000);
    BOOST_TEST(*t->exp == 1700003599);
}

BOOST_AUTO_TEST_CASE(tolerates_missing_and_fractional_claims)
{
    auto t = read_jwt_times(make_jwt(R"({"exp":1700003599.7})"));
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(!t->iat.has_value());
    BOOST_TEST(*t->exp == 1700003599);
    auto odd = read_jwt_times(make_jwt(R"({"iat":"yesterday","exp":-5})"));
    BOOST_TEST_REQUIRE(odd.has_value());
    BOOST_TEST(!odd->iat.has_value());
    BOOST_TEST(!odd->exp.has_value());
}

BOOST_AUTO_TEST_CASE(opaque_tokens_are_not_jwts)
{
    const std::string cases[] = {"3f9a0c1b2d", "a.b", "a.b.c.d", "!!!.@@@.###", make_jwt("[1,2]"), make_jwt("not json"), ""};
    for (const std::string& t : cases)
        BOOST_TEST_CONTEXT(t) { BOOST_TEST(!read_jwt_times(t).has_value()); }
}

BOOST_AUTO_TEST_CASE(base64_matches_rfc4648_vectors)
{
    const std::pair<const char*, const char*> v[] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
                                                      {"foobar", "Zm9vYmFy"}, {"demo@example.com:demo-password", "ZGVtb0BleGFtcGxlLmNvbTpkZW1vLXBhc3N3b3Jk"}};
    for (auto [plain, encoded] : v) {
        std::string out;
        base64_encode(plain, out);
        BOOST_TEST(out == encoded);
        BOOST_TEST(*base64url_decode(encoded) == plain);
    }
}

// What base64.hpp promises: both alphabets, optional trailing padding, nothing else.
BOOST_AUTO_TEST_CASE(base64url_decoding_takes_both_alphabets_and_nothing_else)
{
    BOOST_TEST(*base64url_decode("-_8") == "\xfb\xff");
    BOOST_TEST(*base64url_decode("+/8=") == "\xfb\xff");
    for (const char* bad : {"Z", "Zg=x", "Zm 9v", "Zm9v.", "Zm*v"})
        BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!base64url_decode(bad).has_value()); }
}

BOOST_AUTO_TEST_SUITE_END()
