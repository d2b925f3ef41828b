// SPDX-License-Identifier: MIT
// answer: a get answer is written as text, the profile's token fields (not copied), text; a
// write cut short anywhere must resume exactly where it stopped, the fields included.
#include "serve/answer.hpp"

#include <tokend/proto/codec.hpp>

#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>

using namespace tokend::agent;

BOOST_AUTO_TEST_SUITE(answer_line)

BOOST_AUTO_TEST_CASE(a_served_token_is_the_same_line_encode_token_makes_and_resumes_at_any_offset)
{
    // Setup
    const std::string fields = R"("profile":"p","token":"t0k","token_id":"ab","expires_at":null,"headers":{})";
    auto held = std::make_shared<const secret>(secret::copy_of(fields));
    answer a;
    std::string expected;
    tokend::proto::encode_token(expected, "7", fields);

    // Exercise
    a.set_token("7", held);

    // Check: the whole line, the fields not copied into the text, and every resumption point.
    BOOST_TEST(a.str() == expected);
    BOOST_TEST(a.size() == expected.size());
    BOOST_TEST(a.text.find("t0k") == std::string::npos);
    BOOST_TEST(static_cast<const void*>(a.pieces(0)[1].data()) == static_cast<const void*>(held->data()));
    for (std::size_t offset = 0; offset <= expected.size(); ++offset) {
        auto [x, y, z] = a.pieces(offset);
        BOOST_TEST(std::string(x).append(y).append(z) == expected.substr(offset), "offset " << offset);
    }
}

BOOST_AUTO_TEST_CASE(clear_lets_go_of_the_fields_and_a_plain_answer_is_its_text)
{
    // Setup
    auto held = std::make_shared<const secret>(secret::copy_of("x"));
    answer a;
    a.set_token("", held);

    // Exercise
    a.clear();
    tokend::proto::encode_ok(a.text, "1");

    // Check
    BOOST_TEST(held.use_count() == 1);
    BOOST_TEST(a.str() == "{\"ok\":true,\"id\":1}\n");
    BOOST_TEST(a.pieces(3)[0] == a.text.substr(3));
    BOOST_TEST(a.pieces(3)[1].empty());
}

BOOST_AUTO_TEST_SUITE_END()
