// SPDX-License-Identifier: MIT
#include "proxy_harness.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>

namespace tokend::test {
namespace json = boost::json;

namespace harness_detail {

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

} // namespace harness_detail

std::string proxy_harness::password_line(const std::string& password)
{
    return "password_file = \"" + dir.write("pw-" + password, password + "\n") + "\"\n";
}

std::string proxy_harness::killb_profile(const std::string& name, const std::string& extra, const std::string& timeout)
{
    return "[profile." + name + "]\nprovider = \"killb\"\nurl = \"" + mock.url()
           + "\"\nemail = \"demo@example.com\"\n" + password_line() + "timeout = \"" + timeout + "\"\n" + extra;
}

std::string proxy_harness::aviate_profile(const std::string& name, const std::string& extra)
{
    return "[profile." + name + "]\nprovider = \"aviate\"\nurl = \"" + mock.url()
           + "\"\nemail = \"demo@example.com\"\n" + password_line()
           + "api_key = \"demo-tenant\"\napi_secret_env = \"AV_SECRET\"\ntimeout = \"3s\"\n" + extra;
}

void proxy_harness::start(const std::string& profiles, const std::string& proxy_extra, std::vector<std::string> extra_args,
                          const std::string& agent_section)
{
    std::string config = agent_section + "[proxy]\nlisten = [\"unix\", \"127.0.0.1:0\"]\n" + proxy_extra + profiles;
    a = std::make_unique<agent>(dir, config, std::vector<std::string>{"AV_SECRET=demo-secret"}, std::move(extra_args));
    json::value h = hello();
    const json::value* list = h.is_object() ? h.as_object().if_contains("proxy") : nullptr;
    BOOST_TEST_REQUIRE((list && list->is_array()), "hello has no proxy list: " << json::serialize(h));
    for (const auto& e : list->as_array()) {
        std::string entry(e.as_string());
        if (entry.starts_with("tcp:"))
            tcp = entry;
        else if (entry.starts_with("unix:"))
            unix_path = entry;
    }
    BOOST_TEST_REQUIRE(!tcp.empty(), "no tcp listener in hello: " << json::serialize(h));
    BOOST_TEST_REQUIRE(!unix_path.empty(), "no unix listener in hello: " << json::serialize(h));
    host = tcp.substr(4);
}

std::optional<http_response> proxy_harness::call(const std::string& method, const std::string& target,
                                                 const std::vector<std::string>& headers, const std::string& body,
                                                 std::chrono::milliseconds timeout) const
{
    return call_raw(tcp, http_request(method, target, host, headers, body), timeout);
}

std::optional<http_response> proxy_harness::call_raw(const std::string& address, const std::string& bytes,
                                                     std::chrono::milliseconds timeout) const
{
    http_probe p(address);
    if (!p.connected() || !p.send(bytes))
        return std::nullopt;
    return p.read_response(timeout);
}

json::value proxy_harness::hello() const { return json::parse(a->ask(R"({"op":"hello"})")); }

json::object proxy_harness::status(const std::string& profile) const
{
    json::value v = json::parse(a->ask(R"({"op":"status","profile":")" + profile + "\"}"));
    return v.at("profiles").at(0).as_object();
}

std::vector<json::object> proxy_harness::api_calls() const
{
    auto [code, body] = mock.http("GET", "/_mock/api_calls");
    BOOST_TEST_REQUIRE(code == 200, "GET /_mock/api_calls: " << code << " " << body);
    std::vector<json::object> out;
    json::value all = json::parse(body);
    for (const auto& c : all.at("calls").as_array())
        out.push_back(c.as_object());
    return out;
}

long proxy_harness::mock_total(const std::string& counter) const
{
    return static_cast<long>(json::parse(mock.stats()).at(counter).as_int64());
}

std::string proxy_harness::token(const std::string& profile) const
{
    run_result r = a->tok({"token", profile});
    BOOST_TEST_REQUIRE(r.status == 0, "tok token " << profile << ": " << r.err);
    std::string t = r.out;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r'))
        t.pop_back();
    return t;
}

std::optional<std::string> listed_header(const json::value& headers, const std::string& name)
{
    for (const auto& h : headers.as_array())
        if (harness_detail::lower(std::string(h.at(0).as_string())) == harness_detail::lower(name))
            return std::string(h.at(1).as_string());
    return std::nullopt;
}

std::size_t listed_header_count(const json::value& headers, const std::string& name)
{
    std::size_t n = 0;
    for (const auto& h : headers.as_array())
        n += harness_detail::lower(std::string(h.at(0).as_string())) == harness_detail::lower(name);
    return n;
}

bool is_tokend_error(const std::optional<http_response>& r, int status, const std::string& code)
{
    if (!r) {
        BOOST_TEST_MESSAGE("no answer where " << status << " " << code << " was expected");
        return false;
    }
    bool ok = r->status == status && r->header("X-Tokend-Error") == code
              && r->header("Content-Type").value_or("").starts_with("application/json");
    std::error_code ec;
    json::value body = json::parse(r->body, ec);
    ok = ok && !ec && body.is_object() && body.as_object().size() == 1;
    if (ok) {
        const json::value* err = body.as_object().if_contains("error");
        ok = err && err->is_object() && err->as_object().size() == 2 && err->at("code").is_string()
             && err->at("code").as_string() == code && err->at("message").is_string()
             && !err->at("message").as_string().empty();
    }
    if (!ok)
        BOOST_TEST_MESSAGE("expected " << status << " " << code << ", got " << r->status << " X-Tokend-Error: "
                                       << r->header("X-Tokend-Error").value_or("(none)") << " body: " << r->body);
    return ok;
}

} // namespace tokend::test
