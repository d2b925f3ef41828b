// SPDX-License-Identifier: MIT
// Time arithmetic at the edges, end to end (docs/refresh.md, "Bounds"): tokens claiming to
// live for centuries, from an upstream that says so in each provider's way, and min_ttl
// values from the lifetime itself up to 1e300.
#include "process.hpp"

#include <tokend/proto/codec.hpp>

#include <boost/test/unit_test.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <thread>

using namespace tokend::test;
namespace proto = tokend::proto;

// Helpers live in the suite's namespace: unity builds put all suites in one file.
BOOST_AUTO_TEST_SUITE(time_bounds)

std::string b64url(const std::string& in)
{
    static constexpr char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8
                     | static_cast<unsigned char>(in[i + 2]);
        for (int s = 18; s >= 0; s -= 6)
            out += abc[(v >> s) & 63];
    }
    if (i + 1 == in.size()) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        out += abc[(v >> 18) & 63];
        out += abc[(v >> 12) & 63];
    } else if (i + 2 == in.size()) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8;
        for (int s = 18; s >= 6; s -= 6)
            out += abc[(v >> s) & 63];
    }
    return out;
}

// An upstream that issues tokens claiming to live until year 2300 or longer, in the way of
// each API: an Aviate JWT's exp, KillB's expiresIn (ms), OAuth2's expires_in (a string, as
// some servers send it). mockbill caps its lifetimes at ten years, so it cannot play this.
class centuries_upstream {
public:
    centuries_upstream()
    {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        BOOST_TEST_REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) == 0);
        BOOST_TEST_REQUIRE(::listen(fd_, 16) == 0);
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~centuries_upstream()
    {
        stop_ = true;
        ::shutdown(fd_, SHUT_RDWR);
        thread_.join();
        ::close(fd_);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    void serve()
    {
        while (!stop_) {
            int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0)
                return;
            answer(c);
            ::close(c);
        }
    }

    // One request per connection (Connection: close): headers, then Content-Length bytes.
    static void answer(int c)
    {
        std::string in;
        char buf[4096];
        std::size_t body_at = std::string::npos, want = 0;
        while (body_at == std::string::npos || in.size() < body_at + want) {
            ssize_t n = ::read(c, buf, sizeof buf);
            if (n <= 0)
                return;
            in.append(buf, static_cast<std::size_t>(n));
            if (body_at == std::string::npos && (body_at = in.find("\r\n\r\n")) != std::string::npos) {
                body_at += 4;
                auto cl = in.find("Content-Length: ");
                if (cl == std::string::npos)
                    cl = in.find("content-length: ");
                want = cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
            }
        }
        std::string body;
        if (in.find("/plugins/aviate-plugin/v1/auth") != std::string::npos)
            body = R"({"token":")" + b64url(R"({"alg":"RS256"})") + "."
                   + b64url(R"({"iat":)" + std::to_string(std::time(nullptr)) + R"(,"exp":10413792000})") + R"(.sig"})";
        else if (in.find("/api/v2/auth/login") != std::string::npos)
            body = R"({"accessToken":"kb-opaque-token","expiresIn":1e300,"refreshToken":"kb-refresh"})";
        else
            body = R"({"access_token":"oa-opaque-token","token_type":"Bearer","expires_in":"1e300"})";
        std::string out = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
                          + std::to_string(body.size()) + "\r\n\r\n" + body;
        (void)!::write(c, out.data(), out.size());
    }

    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

BOOST_AUTO_TEST_CASE(tokens_claiming_centuries_expire_within_ten_years)
{
    // Setup
    temp_dir dir;
    centuries_upstream up;
    std::string config = "[profile.av]\nprovider = \"aviate\"\nurl = \"" + up.url()
                         + "\"\nemail = \"demo@example.com\"\npassword = \"pw\"\n"
                           "[profile.kb]\nprovider = \"killb\"\nurl = \"" + up.url()
                         + "\"\nemail = \"demo@example.com\"\npassword = \"pw\"\n"
                           "[profile.oa]\nprovider = \"oauth2\"\ntoken_url = \"" + up.url()
                         + "/token\"\nclient_id = \"c\"\nclient_secret = \"s\"\n";
    agent a(dir, config);
    const std::int64_t ten_years = 3650LL * 86400;

    for (std::string p : {"av", "kb", "oa"}) {
        BOOST_TEST_CONTEXT("profile " << p)
        {
            // Exercise
            auto t = proto::decode_token_answer(a.ask(R"({"op":"get","profile":")" + p + "\"}"));
            auto s = proto::decode_status_answer(a.ask(R"({"op":"status","profile":")" + p + "\"}"));
            std::int64_t now = std::time(nullptr);

            // Check: in the answer and in status, ten years from now at most (and not much less).
            BOOST_TEST_REQUIRE(t.has_value(), (t ? "" : t.error().message));
            BOOST_TEST_REQUIRE(t->expires_at.has_value());
            BOOST_TEST(*t->expires_at <= now + ten_years);
            BOOST_TEST(*t->expires_at >= now + ten_years - 120);
            BOOST_TEST_REQUIRE(s.has_value());
            BOOST_TEST_REQUIRE((*s)[0].expires_at.has_value());
            BOOST_TEST(*(*s)[0].expires_at <= now + ten_years);
            BOOST_TEST((*s)[0].state == "valid");
        }
    }
    BOOST_TEST(a.log().find("expires in -") == std::string::npos, a.log()); // an overflow showed as negative
}

BOOST_AUTO_TEST_CASE(min_ttl_up_to_the_lifetime_is_served_and_any_finite_value_above_is_a_bad_request)
{
    // Setup: mockbill's Aviate tokens live 3600 s, so L = 3599 s.
    temp_dir dir;
    mockbill mock(dir);
    std::string pass = dir.write("pw", "demo-password\n");
    agent a(dir, "[profile.av]\nprovider = \"aviate\"\nurl = \"" + mock.url()
                     + "\"\nemail = \"demo@example.com\"\npassword_file = \"" + pass + "\"\n");
    auto ask = [&](const std::string& min_ttl) {
        return a.ask(R"({"op":"get","profile":"av","min_ttl":)" + min_ttl + "}");
    };
    BOOST_TEST_REQUIRE(proto::decode_token_answer(ask("0")).has_value());

    // Exercise and check: exactly the lifetime is servable (a fresh token, if it must).
    auto at_lifetime = proto::decode_token_answer(ask("3599"));
    BOOST_TEST(at_lifetime.has_value(), (at_lifetime ? "" : at_lifetime.error().message));
    for (const char* v : {"3600", "1e10", "1e19", "1e300", "1.7976931348623157e308"}) {
        BOOST_TEST_CONTEXT("min_ttl " << v)
        {
            std::string answer = ask(v);
            BOOST_TEST(answer.find(R"("code":"bad_request")") != std::string::npos, answer);
            BOOST_TEST(answer.find("is more than the token lifetime (3599 s)") != std::string::npos, answer);
        }
    }
    // Beyond double range, 1e400 reads as infinity, and negative values are no time at all.
    for (const char* v : {"1e400", "-1", "-1e300"})
        BOOST_TEST_CONTEXT("min_ttl " << v) { BOOST_TEST(ask(v).find(R"("code":"bad_request")") != std::string::npos); }
    BOOST_TEST(mock.stat("aviate.login_calls") <= 2);
}

BOOST_AUTO_TEST_SUITE_END()
