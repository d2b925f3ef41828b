// SPDX-License-Identifier: MIT
// proto::errc, generated from <tok/error_codes.h>: the wire strings of PROTOCOL.md ("Errors")
// and the malformed-answer condition, carried as a value.
#include <tokend/proto/codec.hpp>
#include <tokend/proto/error.hpp>

#include <boost/test/unit_test.hpp>

#include <string>
#include <utility>
#include <vector>

BOOST_AUTO_TEST_SUITE(wire_errors)

using tokend::proto::errc;

BOOST_AUTO_TEST_CASE(codes_keep_their_wire_strings_and_numbers)
{
    // PROTOCOL.md's table, spelled out independently of the list that generates the enum.
    const std::vector<std::pair<errc, std::string>> expected = {
        {errc::bad_request, "bad_request"},
        {errc::unknown_op, "unknown_op"},
        {errc::unknown_profile, "unknown_profile"},
        {errc::no_credentials, "no_credentials"},
        {errc::credentials_rejected, "credentials_rejected"},
        {errc::upstream_unavailable, "upstream_unavailable"},
        {errc::timeout, "timeout"},
        {errc::too_large, "too_large"},
        {errc::permission_denied, "permission_denied"},
        {errc::busy, "busy"},
        {errc::internal, "internal"},
    };
    BOOST_TEST(static_cast<int>(expected.size()) == tokend::proto::wire_errc_count);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto& [code, name] = expected[i];
        BOOST_TEST(static_cast<int>(code) == static_cast<int>(i) + 1, name);
        BOOST_TEST(tokend::proto::to_string(code) == name);
        BOOST_TEST((tokend::proto::errc_from_string(name) == code), name);
        BOOST_TEST(make_error_code(code).message() == name);
    }
    BOOST_TEST(!tokend::proto::errc_from_string("no_such_code"));
}

BOOST_AUTO_TEST_CASE(malformed_answers_are_flagged_not_recognised_by_text)
{
    // A line that is no answer: internal, flagged as malformed.
    auto garbage = tokend::proto::decode_ok_answer("garbage");
    BOOST_TEST_REQUIRE(garbage.has_value());
    BOOST_TEST((garbage->code == errc::internal));
    BOOST_TEST(garbage->malformed_answer);

    // An agent's own internal error that happens to use the same words: not malformed.
    auto spoken = tokend::proto::decode_ok_answer(
        R"({"ok":false,"error":{"code":"internal","message":"malformed answer from the agent"}})");
    BOOST_TEST_REQUIRE(spoken.has_value());
    BOOST_TEST((spoken->code == errc::internal));
    BOOST_TEST(!spoken->malformed_answer);
}

BOOST_AUTO_TEST_SUITE_END()
