// SPDX-License-Identifier: MIT
#include <tokend/proto/codec.hpp>

#include <boost/test/unit_test.hpp>

#include <string>

using namespace tokend::proto;

BOOST_AUTO_TEST_SUITE(codec)

BOOST_AUTO_TEST_CASE(decodes_every_op_with_its_fields)
{
    // Setup
    request r;

    // Exercise + Check
    BOOST_TEST(!decode_request(R"({"op":"get","profile":"p","min_ttl":30,"id":7})", r));
    BOOST_TEST((r.op == op::get));
    BOOST_TEST(r.profile == "p");
    BOOST_TEST(*r.min_ttl == 30.0);
    BOOST_TEST(r.id == "7");

    r = {};
    BOOST_TEST(!decode_request(R"({"op":"invalidate","profile":"p","token_id":"abc"})", r));
    BOOST_TEST((r.op == op::invalidate));
    BOOST_TEST(*r.token_id == "abc");

    r = {};
    BOOST_TEST(!decode_request(R"({"op":"add","profile":"p","password":"s3cret"})", r));
    BOOST_TEST(r.password == "s3cret");

    for (auto [line, expected] : {std::pair{R"({"op":"hello"})", op::hello}, {R"({"op":"status"})", op::status},
                                  {R"({"op":"reload"})", op::reload}}) {
        BOOST_TEST_CONTEXT(line)
        {
            r = {};
            BOOST_TEST(!decode_request(line, r));
            BOOST_TEST((r.op == expected));
        }
    }
}

BOOST_AUTO_TEST_CASE(plain_get_fast_path_decodes_like_the_parser)
{
    // Setup: the exact line libtok sends, and lines that only look like it
    const std::string plain = R"({"op":"get","profile":"prod-1.eu_x"})";

    // Exercise + Check: the fast path gives what the general path gives for the same request
    request fast, general;
    BOOST_TEST(!decode_request(plain, fast));
    BOOST_TEST(!decode_request(R"({ "op": "get", "profile": "prod-1.eu_x" })", general));
    BOOST_TEST((fast.op == op::get));
    BOOST_TEST(fast.profile == general.profile);
    BOOST_TEST(fast.id == general.id);
    BOOST_TEST(!fast.min_ttl.has_value());

    // an escape, an empty name or trailing members fall through to the parser
    request r;
    BOOST_TEST(!decode_request(R"({"op":"get","profile":"a\u0062"})", r));
    BOOST_TEST(r.profile == "ab");
    r = {};
    BOOST_TEST((decode_request(R"({"op":"get","profile":""})", r)->code == errc::bad_request));
    r = {};
    BOOST_TEST((decode_request(R"({"op":"get","profile":"p"}x)", r)->code == errc::bad_request));
}

BOOST_AUTO_TEST_CASE(rejects_malformed_requests_with_clear_codes)
{
    struct tc {
        const char* line;
        errc code;
        const char* message_part;
    };
    const tc cases[] = {
        {"not json", errc::bad_request, "invalid JSON"},
        {"[1,2]", errc::bad_request, "must be a JSON object"},
        {"{}", errc::bad_request, "missing \"op\""},
        {R"({"op":5})", errc::bad_request, "\"op\" must be a string"},
        {R"({"op":"fly"})", errc::unknown_op, "unknown op \"fly\""},
        {R"({"op":"get"})", errc::bad_request, "missing \"profile\""},
        {R"({"op":"get","profile":""})", errc::bad_request, "must not be empty"},
        {R"({"op":"get","profile":3})", errc::bad_request, "\"profile\" must be a string"},
        {R"({"op":"get","profile":"p","min_ttl":-1})", errc::bad_request, "min_ttl"},
        {R"({"op":"get","profile":"p","min_ttl":"9"})", errc::bad_request, "min_ttl"},
        {R"({"op":"invalidate","profile":"p","token_id":1})", errc::bad_request, "token_id"},
        {R"({"op":"add","profile":"p"})", errc::bad_request, "missing \"password\""},
        {R"({"op":"add","profile":"p","password":""})", errc::bad_request, "password"},
        {"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", errc::bad_request, "invalid JSON"},
    };
    for (const tc& c : cases) {
        BOOST_TEST_CONTEXT(c.line)
        {
            request r;
            auto e = decode_request(c.line, r);
            BOOST_TEST_REQUIRE(e.has_value());
            BOOST_TEST((e->code == c.code));
            BOOST_TEST(e->message.find(c.message_part) != std::string::npos, e->message);
        }
    }
}

BOOST_AUTO_TEST_CASE(keeps_the_id_of_a_failed_request_for_the_error)
{
    request r;
    auto e = decode_request(R"({"id":"x-1","op":"get"})", r);
    BOOST_TEST_REQUIRE(e.has_value());
    std::string out;
    encode_error(out, r.id, *e);
    BOOST_TEST(out == R"({"ok":false,"id":"x-1","error":{"code":"bad_request","message":"missing \"profile\""}})" "\n");
}

BOOST_AUTO_TEST_CASE(unknown_members_are_ignored)
{
    request r;
    BOOST_TEST(!decode_request(R"({"op":"get","profile":"p","future":{"a":[1,2]}})", r));
}

BOOST_AUTO_TEST_CASE(token_answer_round_trips)
{
    // Setup
    token_answer a{"aviate-prod", "eyJ.x.y", "0123456789abcdef", 1795000000,
                   {{"Authorization", "Bearer eyJ.x.y"}, {"X-Killbill-ApiKey", "tenant \"q\""}}};
    std::string line;

    // Exercise
    encode_token(line, "42", render_token_fields(a));
    auto back = decode_token_answer(line);

    // Check
    BOOST_TEST(line.starts_with(R"({"ok":true,"id":42,"profile":"aviate-prod","token":"eyJ.x.y")"));
    BOOST_TEST(line.back() == '\n');
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(back->token == "eyJ.x.y");
    BOOST_TEST(back->token_id == "0123456789abcdef");
    BOOST_TEST(*back->expires_at == 1795000000);
    BOOST_TEST_REQUIRE(back->headers.size() == 2u);
    BOOST_TEST(back->headers[1].second == "tenant \"q\"");
}

BOOST_AUTO_TEST_CASE(static_token_answer_has_null_expiry)
{
    std::string line;
    encode_token(line, "", render_token_fields({"s", "sk_live_1", "id", std::nullopt, {{"Authorization", "Bearer sk_live_1"}}}));
    BOOST_TEST(line.find(R"("expires_at":null)") != std::string::npos);
    auto back = decode_token_answer(line);
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(!back->expires_at.has_value());
}

BOOST_AUTO_TEST_CASE(status_answer_round_trips_and_carries_no_secret_fields)
{
    profile_status s{"p", "killb", "failing", 100, 90, "login failed: HTTP 503", 80, 3, 4, 5};
    std::string line;
    encode_status(line, "", {s, profile_status{"q", "static", "valid", {}, {}, "", {}, 1, 0, 0}});
    auto back = decode_status_answer(line);
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST_REQUIRE(back->size() == 2u);
    BOOST_TEST((*back)[0].last_error == "login failed: HTTP 503");
    BOOST_TEST((*back)[0].refreshes == 4u);
    BOOST_TEST(!(*back)[1].expires_at.has_value());
    BOOST_TEST(line.find(R"("last_error":null)") != std::string::npos);
    BOOST_TEST(line.find("token") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(status_answer_carries_the_proxy_counters_after_failures)
{
    profile_status s{"p", "killb", "valid", {}, {}, "", {}, 1, 0, 0};
    s.proxied = 7;
    s.proxy_retries = 2;
    std::string line;
    encode_status(line, "", {s});
    BOOST_TEST(line == R"({"ok":true,"profiles":[{"name":"p","provider":"killb","state":"valid","expires_at":null,)"
                       R"("refresh_at":null,"last_error":null,"last_error_at":null,"logins":1,"refreshes":0,)"
                       R"("failures":0,"proxied":7,"proxy_retries":2}]})" "\n");
    auto back = decode_status_answer(line);
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST((*back)[0].proxied == 7u);
    BOOST_TEST((*back)[0].proxy_retries == 2u);
}

BOOST_AUTO_TEST_CASE(status_answer_of_an_agent_without_the_proxy_decodes_zero_counters)
{
    auto back = decode_status_answer(R"({"ok":true,"profiles":[{"name":"a","provider":"aviate","state":"valid",)"
                                     R"("expires_at":null,"refresh_at":2,"last_error":null,"logins":1,)"
                                     R"("refreshes":0,"failures":0}]})");
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST((*back)[0].proxied == 0u);
    BOOST_TEST((*back)[0].proxy_retries == 0u);
    BOOST_TEST(!decode_status_answer(R"({"ok":true,"profiles":[{"name":"a","provider":"aviate","state":"valid",)"
                                     R"("logins":1,"refreshes":0,"failures":0,"proxied":"7"}]})"));
}

BOOST_AUTO_TEST_CASE(hello_answer_always_lists_the_proxy_listeners)
{
    std::string off, on;
    encode_hello(off, "", {"tokend", "1.2.3", 1, {}});
    encode_hello(on, "9", {"tokend", "1.2.3", 1, {"unix:/run/user/1000/tokend/http", "tcp:[::1]:8787"}});
    BOOST_TEST(off == R"({"ok":true,"agent":"tokend","version":"1.2.3","protocol":1,"proxy":[]})" "\n");
    BOOST_TEST(on == R"({"ok":true,"id":9,"agent":"tokend","version":"1.2.3","protocol":1,)"
                     R"("proxy":["unix:/run/user/1000/tokend/http","tcp:[::1]:8787"]})" "\n");
    auto back = decode_hello_answer(on);
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST_REQUIRE(back->proxy.size() == 2u);
    BOOST_TEST(back->proxy[1] == "tcp:[::1]:8787");
}

BOOST_AUTO_TEST_CASE(hello_answer_of_an_agent_without_the_proxy_has_an_empty_list)
{
    auto old = decode_hello_answer(R"({"ok":true,"agent":"tokend","version":"0.1.0","protocol":1})");
    BOOST_TEST_REQUIRE(old.has_value());
    BOOST_TEST(old->proxy.empty());
    for (auto bad : {R"({"ok":true,"agent":"tokend","version":"1","protocol":1,"proxy":"tcp:127.0.0.1:1"})",
                     R"({"ok":true,"agent":"tokend","version":"1","protocol":1,"proxy":[1]})"}) {
        auto r = decode_hello_answer(bad);
        BOOST_TEST_REQUIRE(!r.has_value());
        BOOST_TEST(r.error().malformed_answer);
    }
}

BOOST_AUTO_TEST_CASE(error_answers_decode_to_their_code)
{
    std::string line;
    encode_error(line, "", {errc::credentials_rejected, "login refused"});
    auto r = decode_token_answer(line);
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error().code == errc::credentials_rejected));
    BOOST_TEST(r.error().message == "login refused");
    BOOST_TEST((decode_ok_answer("garbage")->code == errc::internal));
    BOOST_TEST(!decode_ok_answer(R"({"ok":true})"));
}

BOOST_AUTO_TEST_CASE(requests_encode_to_what_the_decoder_reads)
{
    request r;
    r.op = op::get;
    r.profile = "a\"b";
    r.min_ttl = 2.5;
    std::string line = encode_request(r);
    BOOST_TEST(line.back() == '\n');
    request back;
    BOOST_TEST(!decode_request(std::string_view(line).substr(0, line.size() - 1), back));
    BOOST_TEST(back.profile == "a\"b");
    BOOST_TEST(*back.min_ttl == 2.5);
}

BOOST_AUTO_TEST_CASE(escapes_control_characters)
{
    std::string out;
    encode_error(out, "", {errc::internal, std::string("a\nb\x01")});
    BOOST_TEST(out.find(R"(a\nb\u0001)") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
