// SPDX-License-Identifier: MIT
// The proxy's mapping and header rules (docs/proxy.md, "Mapping" and "Headers").
#include "proxy/error_reply.hpp"
#include "proxy/head.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace tokend::agent;
using namespace tokend::agent::proxy;
namespace http = boost::beast::http;

BOOST_AUTO_TEST_SUITE(proxy_head)

BOOST_AUTO_TEST_CASE(the_first_segment_names_the_profile_and_the_rest_follows_the_api_path)
{
    auto t = split_target("/killb/api/v2/users?limit=5&x=%2F");
    BOOST_REQUIRE(t);
    BOOST_TEST(t->profile == "killb");
    BOOST_TEST(t->rest == "/api/v2/users?limit=5&x=%2F");
    BOOST_TEST(upstream_target("/v1", t->rest) == "/v1/api/v2/users?limit=5&x=%2F");
    BOOST_TEST(upstream_target("", t->rest) == "/api/v2/users?limit=5&x=%2F");

    BOOST_TEST(split_target("/p")->rest == "");
    BOOST_TEST(split_target("/p?q=1")->rest == "?q=1");
    BOOST_TEST(upstream_target("", "") == "/");
    BOOST_TEST(upstream_target("/v1", "") == "/v1");
    BOOST_TEST(upstream_target("", "?q=1") == "/?q=1");
    BOOST_TEST(upstream_target("/v1", "?q=1") == "/v1?q=1");
}

BOOST_AUTO_TEST_CASE(only_origin_form_with_a_profile_is_accepted)
{
    for (std::string_view bad : {"*", "http://127.0.0.1:8787/p/x", "/", "//x", "/?q", "", "p/x"})
        BOOST_TEST(!split_target(bad), bad);
}

BOOST_AUTO_TEST_CASE(hop_by_hop_headers_and_those_connection_names_do_not_cross)
{
    http::fields f;
    f.set(http::field::connection, "keep-alive, X-Private");
    f.insert(http::field::connection, "Close, x-other");
    hop_filter hops(f);
    for (std::string_view name : {"Connection", "keep-alive", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
                                  "Proxy-Authorization", "proxy-connection", "Content-Length", "X-Private", "X-OTHER"})
        BOOST_TEST(hops.drops(name), name);
    for (std::string_view name : {"Accept", "Content-Type", "X-Request-Id", "Authorization", "Cookie", "Proxyx"})
        BOOST_TEST(!hops.drops(name), name);
}

BOOST_AUTO_TEST_CASE(the_request_head_replaces_credentials_and_host_and_adds_nothing)
{
    http::fields client;
    client.set(http::field::host, "127.0.0.1:8787");
    client.set(http::field::authorization, "Bearer the-clients-own");
    client.set("X-Killbill-ApiKey", "the-clients-tenant");
    client.set(http::field::accept, "application/json");
    client.set(http::field::connection, "X-Hop");
    client.set("X-Hop", "1");
    client.set(http::field::expect, "100-continue");
    client.set(http::field::transfer_encoding, "chunked");
    client.set("X-Request-Id", "abc");
    std::vector<std::string> names{"Authorization", "X-Killbill-ApiKey"};
    secret_string head;
    write_request_head(head, {"POST", "/v1/x?y=1", "api.example.com", client,
                              "Authorization: Bearer T\r\nX-Killbill-ApiKey: tenant\r\n", names,
                              framing{framing::length, 12}});
    std::string got(head.data(), head.size());
    BOOST_TEST(got == "POST /v1/x?y=1 HTTP/1.1\r\nHost: api.example.com\r\nAccept: application/json\r\n"
                      "X-Request-Id: abc\r\nAuthorization: Bearer T\r\nX-Killbill-ApiKey: tenant\r\n"
                      "Content-Length: 12\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(the_response_head_passes_the_apis_headers_and_frames_the_body_itself)
{
    http::fields upstream;
    upstream.set(http::field::content_type, "application/json");
    upstream.set(http::field::transfer_encoding, "chunked");
    upstream.set(http::field::connection, "close");
    upstream.set(http::field::keep_alive, "timeout=5");
    upstream.insert(http::field::set_cookie, "a=1");
    upstream.insert(http::field::set_cookie, "b=2");
    std::string out;
    write_response_head(out, {401, "Unauthorized", upstream, framing{framing::chunked, 0}, false, true});
    BOOST_TEST(out == "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nSet-Cookie: a=1\r\n"
                      "Set-Cookie: b=2\r\nTransfer-Encoding: chunked\r\nX-Tokend-Retried: 1\r\nConnection: close\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(tokends_own_errors_carry_the_wire_code_and_a_json_body)
{
    std::string r = render({503, tokend::proto::errc::upstream_unavailable, "backing \"off\"", 7}, true);
    BOOST_TEST(r == "HTTP/1.1 503 Service Unavailable\r\nX-Tokend-Error: upstream_unavailable\r\n"
                    "Content-Type: application/json\r\nContent-Length: 69\r\nRetry-After: 7\r\n\r\n"
                    "{\"error\":{\"code\":\"upstream_unavailable\",\"message\":\"backing \\\"off\\\"\"}}");
    BOOST_TEST(render({403, tokend::proto::errc::permission_denied, "no"}, false).find("\r\nConnection: close\r\n")
               != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
