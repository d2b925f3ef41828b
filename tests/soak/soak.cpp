// SPDX-License-Identifier: MIT
// Soak: three providers with 5-second tokens serve many concurrent client loops while
// mockbill injects random transient faults. The promise under test: no client is ever handed
// a token the upstream rejects for age, no client fails while a valid token exists, and the
// upstream sees at most twice the minimum number of auth calls.
//
//   soak -- --seconds 60 --clients 50 [--fault-probability 0.15] [--timeline calls.csv]
#define BOOST_TEST_MODULE soak
#include "process.hpp"

#include <tokend/proto/codec.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <cmath>
#include <fstream>
#include <mutex>
#include <thread>

using namespace tokend::test;
namespace proto = tokend::proto;
namespace json = boost::json;
namespace utf = boost::unit_test;

namespace {

struct options {
    int seconds = 15;
    int clients = 50;
    double fault_probability = 0.15;
    std::string timeline;
};

options parse_options()
{
    options o;
    auto& suite = utf::framework::master_test_suite();
    for (int i = 1; i + 1 < suite.argc; i += 2) {
        std::string k = suite.argv[i], v = suite.argv[i + 1];
        if (k == "--seconds") o.seconds = std::stoi(v);
        else if (k == "--clients") o.clients = std::stoi(v);
        else if (k == "--fault-probability") o.fault_probability = std::stod(v);
        else if (k == "--timeline") o.timeline = v;
    }
    return o;
}

struct use {
    std::string profile, api, target;
};
const use uses[] = {{"av", "aviate", "/plugins/aviate-plugin/v1/catalog/info"},
                    {"kb", "killb", "/api/v2/auth/me"},
                    {"nb", "novabilling", "/api/tenants/me"}};
constexpr double token_lifetime = 4.0; // 5 s at the mock, exp - iat - 1 for the agent

// A protected call the way a script makes it. Thread-safe: no Boost.Test macros, which the
// client threads must not use. Returns the HTTP status, 0 when the call did not complete.
int call_upstream(int port, const std::string& target, const proto::header_list& headers)
{
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return 0;
    }
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    for (const auto& [name, value] : headers)
        req += name + ": " + value + "\r\n";
    req += "\r\n";
    std::string resp;
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
        char buf[4096];
        for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
            resp.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    int status = 0;
    std::sscanf(resp.c_str(), "HTTP/1.1 %d", &status);
    return status;
}

double unix_now()
{
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// What the clients saw, shared by all of them.
struct tally {
    std::atomic<long> gets{0}, get_errors{0}, errors_while_valid{0}, calls{0}, call_failures{0};
    std::atomic<std::int64_t> served_until[3] = {0, 0, 0}; // latest expires_at handed out, per profile
    std::mutex mutex;
    std::map<int, long> failure_statuses;
};

void client_loop(const agent& a, const mockbill& mock, tally& t, int index, std::chrono::steady_clock::time_point until)
{
    for (int i = index; std::chrono::steady_clock::now() < until; ++i) {
        std::size_t k = static_cast<std::size_t>(i) % 3;
        const use& u = uses[k];
        double asked_at = unix_now();
        auto tok = proto::decode_token_answer(a.ask(R"({"op":"get","profile":")" + u.profile + "\"}"));
        ++t.gets;
        if (!tok) {
            ++t.get_errors;
            // A failure is only acceptable when no token handed out so far was still good.
            // expires_at has one-second resolution: allow that, plus the serving floor.
            if (asked_at + 1.5 < static_cast<double>(t.served_until[k].load()))
                ++t.errors_while_valid;
        } else {
            std::int64_t prev = t.served_until[k].load();
            while (*tok->expires_at > prev && !t.served_until[k].compare_exchange_weak(prev, *tok->expires_at)) {
            }
            ++t.calls;
            int status = call_upstream(mock.port(), u.target, tok->headers);
            if (status != 200) {
                ++t.call_failures;
                std::lock_guard lock(t.mutex);
                ++t.failure_statuses[status];
            }
        }
        std::this_thread::sleep_for(100ms);
    }
}

void write_timeline(const mockbill& mock, const std::string& path)
{
    std::ofstream out(path);
    out << "api,endpoint,t,status,fault\n";
    json::value all = json::parse(mock.http("GET", "/_mock/calls").second);
    for (const auto& c : all.at("calls").as_array())
        out << std::string_view(c.at("api").as_string()) << ',' << std::string_view(c.at("endpoint").as_string()) << ','
            << c.at("t").to_number<double>() << ',' << c.at("status").as_int64() << ','
            << std::string_view(c.at("fault").as_string()) << '\n';
}

} // namespace

BOOST_AUTO_TEST_CASE(soak_under_random_faults)
{
    // Setup
    options o = parse_options();
    temp_dir dir;
    mockbill mock(dir);
    mock.control("/_mock/config", R"({"aviate":{"lifetime":5},"killb":{"lifetime":5},"novabilling":{"lifetime":5}})");
    std::string pw = dir.write("pw", "demo-password\n");
    std::string config;
    for (const use& u : uses)
        config += "[profile." + u.profile + "]\nprovider = \"" + u.api + "\"\nurl = \"" + mock.url()
                  + "\"\nemail = \"demo@example.com\"\npassword_file = \"" + pw + "\"\ntimeout = \"3s\"\n"
                  + (u.api == "aviate" ? "api_key = \"demo-tenant\"\napi_secret_env = \"AV_SECRET\"\n" : "");
    agent a(dir, config, {"AV_SECRET=demo-secret"});
    for (const use& u : uses) // every profile starts with a token, as a running agent would have
        BOOST_TEST_REQUIRE(a.ask(R"({"op":"get","profile":")" + u.profile + "\"}").starts_with(R"({"ok":true)"));
    mock.control("/_mock/chaos", R"({"probability":)" + std::to_string(o.fault_probability)
                                     + R"(,"kinds":["status","reset","delay","garbage","truncate"],"delay_ms":800,"seed":7})");
    auto started = std::chrono::steady_clock::now();
    long calls_before = mock.stat("total.login_calls") + mock.stat("total.refresh_calls");

    // Exercise
    tally t;
    auto until = started + std::chrono::seconds(o.seconds);
    std::vector<std::thread> clients;
    for (int i = 0; i < o.clients; ++i)
        clients.emplace_back(client_loop, std::cref(a), std::cref(mock), std::ref(t), i, until);
    for (auto& c : clients)
        c.join();
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!o.timeline.empty())
        write_timeline(mock, o.timeline);

    // Check
    long auth_calls = mock.stat("total.login_calls") + mock.stat("total.refresh_calls") - calls_before;
    double minimum = 3 * elapsed / token_lifetime;
    for (auto [status, n] : t.failure_statuses)
        BOOST_TEST_MESSAGE("  protected calls answered " << status << ": " << n);
    std::printf("soak: %d s, %d clients, fault probability %.2f\n"
                "  gets %ld, get errors %ld (while a valid token existed: %ld)\n"
                "  protected calls %ld, failed %ld, expired-token requests at the mock %ld\n"
                "  auth calls %ld (minimum %ld, ratio %.2f), faults injected %ld\n",
                o.seconds, o.clients, o.fault_probability, t.gets.load(), t.get_errors.load(), t.errors_while_valid.load(),
                t.calls.load(), t.call_failures.load(), mock.stat("total.expired_requests"), auth_calls,
                std::lround(minimum), auth_calls / minimum, mock.stat("total.faults_injected"));
    BOOST_TEST(mock.stat("total.expired_requests") == 0);
    BOOST_TEST(t.call_failures == 0);
    BOOST_TEST(t.errors_while_valid == 0);
    BOOST_TEST(auth_calls <= 2 * minimum);
    BOOST_TEST(t.gets > 0);
}
