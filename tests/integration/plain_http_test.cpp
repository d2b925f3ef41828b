// SPDX-License-Identifier: MIT
// Plain http:// reaches loopback addresses only, whatever the host name resolves to
// (docs/configuration.md, "Plain http"). The hostile resolver is an /etc/hosts bind-mounted in
// a private mount and network namespace that maps "localhost" to 192.0.2.10 (TEST-NET-1), an
// address on the namespace's own lo where mockbill listens: no packet can leave the machine.
// Needs root and unshare, nsenter, ip, mount and curl; skipped, saying so, without them.
#include "process.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace tokend::test;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(plain_http)

// Helpers live inside the suite's namespace, so a unity build can merge test files.
namespace {

constexpr const char* not_loopback = "192.0.2.10";

// A process holding a private mount and network namespace open: lo up, 192.0.2.10 added to
// it, `hosts` bind-mounted over /etc/hosts. Others join with nsenter.
class private_net {
public:
    private_net(const temp_dir& dir, const std::string& hosts)
    {
        std::string ready = (dir.path() / "netns.ready").string();
        holder_ = std::make_unique<child>(
            std::vector<std::string>{"unshare", "--mount", "--net", "sh", "-c",
                                     "ip link set lo up && ip addr add \"$2\"/32 dev lo && mount --bind \"$0\" /etc/hosts"
                                     " && : > \"$1\" && exec sleep 300",
                                     hosts, ready, not_loopback},
            std::vector<std::string>{}, dir.path().string());
        wait_for([&] { return fs::exists(ready) || !holder_->running(); }, 10s);
        usable_ = fs::exists(ready);
    }

    bool usable() const { return usable_; }
    std::string why_not() const { return holder_->err(); }

    // argv, run inside the namespace.
    std::vector<std::string> inside(std::vector<std::string> argv) const
    {
        std::vector<std::string> out{"nsenter", "--target", std::to_string(holder_->pid()), "--mount", "--net", "--"};
        out.insert(out.end(), argv.begin(), argv.end());
        return out;
    }

private:
    std::unique_ptr<child> holder_;
    bool usable_ = false;
};

std::string slurp(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// mockbill on 192.0.2.10 inside the namespace.
class hidden_mockbill {
public:
    hidden_mockbill(const temp_dir& dir, const private_net& net)
        : net_(net)
    {
        std::string port_file = (dir.path() / "hidden.port").string();
        process_ = std::make_unique<child>(
            net.inside({mockbill_bin(), "--listen", std::string(not_loopback) + ":0", "--port-file", port_file, "--quiet"}),
            std::vector<std::string>{}, dir.path().string());
        BOOST_TEST_REQUIRE(wait_for([&] { return fs::exists(port_file); }), process_->err());
        port_ = std::stoi(slurp(port_file));
    }

    int port() const { return port_; }

    // A counter from GET /_mock/stats, asked from inside the namespace.
    long stat(const std::string& api, const std::string& counter) const
    {
        std::string url = "http://" + std::string(not_loopback) + ":" + std::to_string(port_) + "/_mock/stats";
        run_result r = run(net_.inside({"curl", "-sS", "--noproxy", "*", "--max-time", "5", url}));
        BOOST_TEST_REQUIRE(r.status == 0, "curl: " << r.err);
        return static_cast<long>(boost::json::parse(r.out).at(api).at(counter).as_int64());
    }

private:
    const private_net& net_;
    std::unique_ptr<child> process_;
    int port_ = 0;
};

// tokend inside the namespace; its socket is a path, which reaches across namespaces.
class hidden_agent {
public:
    hidden_agent(const temp_dir& dir, const private_net& net, const std::string& config_toml, const std::string& tag)
        : socket_((dir.path() / (tag + ".sock")).string())
    {
        std::string config = dir.write(tag + ".toml", config_toml, 0600);
        process_ = std::make_unique<child>(net.inside({tokend_bin(), "--config", config, "--socket", socket_}),
                                           std::vector<std::string>{}, dir.path().string());
        bool up = wait_for([&] {
            return ask(socket_, R"({"op":"hello"})", 1s).find("\"ok\":true") != std::string::npos || !process_->running();
        });
        BOOST_TEST_REQUIRE((up && process_->running()), "tokend did not start: " << process_->err());
    }

    run_result tok(const std::vector<std::string>& args) const
    {
        std::vector<std::string> argv{tok_bin(), "--socket", socket_};
        argv.insert(argv.end(), args.begin(), args.end());
        return run(argv);
    }

private:
    std::string socket_;
    std::unique_ptr<child> process_;
};

// "av" logs in to aviate by the name localhost as configured by default; "open" to killb by
// the same name with allow_insecure_http = true, to show the route to mockbill works.
std::string profiles(const temp_dir& dir, int port)
{
    std::string pass = dir.write("pass", "demo-password\n", 0600);
    std::string url = "http://localhost:" + std::to_string(port);
    std::string common = "url = \"" + url + "\"\nemail = \"demo@example.com\"\npassword_file = \"" + pass
                         + "\"\ntimeout = \"3s\"\n";
    return "[profile.av]\nprovider = \"aviate\"\n" + common + "[profile.open]\nprovider = \"killb\"\n" + common
           + "allow_insecure_http = true\n";
}

} // namespace


BOOST_AUTO_TEST_CASE(localhost_resolving_elsewhere_gets_no_connection_and_no_password)
{
    // Setup
    if (::geteuid() != 0) {
        BOOST_TEST_MESSAGE("SKIPPED: needs root for a private mount and network namespace");
        return;
    }
    run_result tools = run({"sh", "-c", "for t in unshare nsenter ip mount curl; do command -v $t >/dev/null || echo $t; done"});
    if (!tools.out.empty()) {
        BOOST_TEST_MESSAGE("SKIPPED: missing tools: " << tools.out);
        return;
    }
    temp_dir dir;
    std::string hosts = dir.write("hosts", std::string(not_loopback) + " localhost\n", 0644);
    private_net net(dir, hosts);
    if (!net.usable()) {
        BOOST_TEST_MESSAGE("SKIPPED: cannot set up a private namespace: " << net.why_not());
        return;
    }
    hidden_mockbill mock(dir, net);

    // Exercise: localhost is 192.0.2.10 only.
    hidden_agent only_elsewhere(dir, net, profiles(dir, mock.port()), "elsewhere");
    run_result refused = only_elsewhere.tok({"token", "av"});
    run_result opted_in = only_elsewhere.tok({"token", "open"});
    long aviate_calls = mock.stat("aviate", "login_calls");

    // Exercise: localhost is 127.0.0.1 (where nothing listens) and 192.0.2.10. Only the
    // loopback address may be tried; before this fix the second one was tried next.
    dir.write("hosts", "127.0.0.1 localhost\n" + std::string(not_loopback) + " localhost\n", 0644);
    hidden_agent mixed(dir, net, profiles(dir, mock.port()), "mixed");
    run_result mixed_refused = mixed.tok({"token", "av"});
    long aviate_calls_after = mock.stat("aviate", "login_calls");

    // Check: a clear error naming host and address, and not one request reached aviate, while
    // the profile that opted in reached killb at that very address.
    BOOST_TEST(refused.status == 6, refused.err);
    BOOST_TEST(refused.out.empty());
    BOOST_TEST(refused.err.find("refusing plain http:// to localhost: it resolves to 192.0.2.10, which is not a "
                                "loopback address") != std::string::npos, refused.err);
    BOOST_TEST(opted_in.status == 0, opted_in.err);
    BOOST_TEST(mock.stat("killb", "logins_ok") >= 1);
    BOOST_TEST(aviate_calls == 0);
    BOOST_TEST(mixed_refused.status == 6, mixed_refused.err);
    BOOST_TEST(mixed_refused.err.find("connecting to localhost:" + std::to_string(mock.port()) + " failed")
                   != std::string::npos, mixed_refused.err);
    BOOST_TEST(aviate_calls_after == 0);
}

BOOST_AUTO_TEST_SUITE_END()
