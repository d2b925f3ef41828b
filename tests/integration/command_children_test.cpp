// SPDX-License-Identifier: MIT
// `_command` helpers and `_env` secrets against a real tokend (docs/security.md, "Secrets in
// helpers and the environment"): what a helper sees of tokend's environment, what
// /proc/PID/environ still shows, and that a helper cut short by a reload or by SIGTERM is
// killed with its whole process group and leaves no zombie.
#include "process.hpp"

#include <tokend/proto/codec.hpp>

#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace tokend::test;
namespace proto = tokend::proto;
namespace fs = std::filesystem;

// Helpers live in the suite's namespace: unity builds put all suites in one file.
BOOST_AUTO_TEST_SUITE(command_children)

std::string slurp(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct proc_entry {
    pid_t pid = 0, parent = 0, group = 0;
    char state = 0;
};

std::vector<proc_entry> processes()
{
    std::vector<proc_entry> out;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos)
            continue; // not a process
        std::string text = slurp(entry.path() / "stat");
        auto paren = text.rfind(')');
        if (paren == std::string::npos)
            continue;
        proc_entry p;
        p.pid = std::atoi(entry.path().filename().c_str());
        std::istringstream fields(text.substr(paren + 2));
        fields >> p.state >> p.parent >> p.group;
        out.push_back(p);
    }
    return out;
}

// A live (not zombie) process in process group `group`.
bool group_alive(pid_t group)
{
    for (const auto& p : processes())
        if (p.group == group && p.state != 'Z')
            return true;
    return false;
}

// Every child of `parent`, zombies included: a zombie is a child nobody reaped.
std::vector<proc_entry> children_of(pid_t parent)
{
    std::vector<proc_entry> out;
    for (const auto& p : processes())
        if (p.parent == parent)
            out.push_back(p);
    return out;
}

// The pid the helper wrote, once it is there.
pid_t helper_pid(const fs::path& file)
{
    pid_t pid = 0;
    wait_for([&] {
        std::ifstream in(file);
        return static_cast<bool>(in >> pid) && pid > 0;
    }, 10s);
    return pid;
}

// A killb profile whose password helper records its shell's pid (its process group) and
// then takes 30 s, as `pass` waiting for a pinentry would.
std::string slow_helper_profile(const temp_dir& dir, const mockbill& mock, const std::string& name)
{
    std::string pid_file = (dir.path() / (name + ".pid")).string();
    return "[profile." + name + "]\nprovider = \"killb\"\nurl = \"" + mock.url()
           + "\"\nemail = \"demo@example.com\"\ntimeout = \"25s\"\npassword_command = \"echo $$ > " + pid_file
           + "; sleep 30; echo demo-password\"\n";
}

std::size_t count(const std::string& text, const std::string& what)
{
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

BOOST_AUTO_TEST_CASE(a_helper_sees_no_env_secret_and_no_systemd_variable)
{
    // Setup: an aviate profile whose API secret comes from the environment and whose password
    // helper dumps its environment to a file; systemd-like variables around tokend.
    temp_dir dir;
    mockbill mock(dir);
    const std::string api_secret = "demo-secret"; // what mockbill's tenant expects
    fs::path dump = dir.path() / "helper.env";
    std::string config = "[profile.av]\nprovider = \"aviate\"\nurl = \"" + mock.url()
                         + "\"\nemail = \"demo@example.com\"\napi_key = \"demo-tenant\"\napi_secret_env = \"AV_API_SECRET\"\n"
                           "password_command = \"env > " + dump.string() + "; echo demo-password\"\n";
    agent a(dir, config,
            {"AV_API_SECRET=" + api_secret, "NOTIFY_SOCKET=" + (dir.path() / "notify.sock").string(), "LISTEN_PID=1",
             "LISTEN_FDS=1", "LISTEN_FDNAMES=tokend.socket", "WATCHDOG_PID=1", "WATCHDOG_USEC=600000000",
             "TOKEND_SOCK=" + (dir.path() / "elsewhere.sock").string(), "TOKEND_TEST_MARKER=visible"});

    // Exercise
    auto t = proto::decode_token_answer(a.ask(R"({"op":"get","profile":"av"})"));

    // Check: the secret still reaches the served headers, but not the helper.
    BOOST_TEST_REQUIRE(t.has_value(), (t ? "" : t.error().message));
    bool served = false;
    for (const auto& [k, v] : t->headers)
        served |= k == "X-Killbill-ApiSecret" && v == api_secret;
    BOOST_TEST(served);
    std::string env = slurp(dump);
    env.insert(env.begin(), '\n'); // each entry then starts after a newline

    BOOST_TEST(env.find("\nTOKEND_TEST_MARKER=visible\n") != std::string::npos, "the helper got no environment");
    for (const char* name : {"AV_API_SECRET", "NOTIFY_SOCKET", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES",
                             "WATCHDOG_PID", "WATCHDOG_USEC", "TOKEND_SOCK"}) {
        std::string entry(1, '\n'); // not "\n" + name: GCC 12 -O3 warns falsely (-Wrestrict)
        entry += name;
        entry += '=';
        BOOST_TEST(env.find(entry) == std::string::npos, name << " reached the helper");
    }
    BOOST_TEST(env.find(api_secret) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_env_secret_is_gone_from_proc_environ)
{
    // /proc/PID/environ of a non-dumpable process is root's to read.
    if (::geteuid() != 0) {
        BOOST_TEST_MESSAGE("SKIPPED: reading another process's /proc/PID/environ needs root");
        return;
    }
    // Setup
    temp_dir dir;
    const std::string secret = "env-secret-" + std::to_string(::getpid()) + "-b7f3c1";
    agent a(dir, "[profile.key]\nprovider = \"static\"\ntoken_env = \"TOKEND_STATIC_KEY\"\n",
            {"TOKEND_STATIC_KEY=" + secret, "TOKEND_TEST_MARKER=still-here"});

    // Exercise
    auto t = proto::decode_token_answer(a.ask(R"({"op":"get","profile":"key"})"));
    std::string environ_text = slurp("/proc/" + std::to_string(a.process().pid()) + "/environ");

    // Check: served from locked memory; neither the value nor the name is in the block the
    // kernel shows, while the rest of the environment is.
    BOOST_TEST_REQUIRE(t.has_value(), (t ? "" : t.error().message));
    BOOST_TEST(t->token == secret);
    BOOST_TEST(environ_text.find("TOKEND_TEST_MARKER=still-here") != std::string::npos);
    BOOST_TEST(environ_text.find(secret) == std::string::npos, "the secret is still in /proc/PID/environ");
    BOOST_TEST(environ_text.find("TOKEND_STATIC_KEY=") == std::string::npos);

    // A reload reads the same `_env` key again: the captured value still works.
    BOOST_TEST(a.ask(R"({"op":"reload"})") == R"({"ok":true})");
    auto after = proto::decode_token_answer(a.ask(R"({"op":"get","profile":"key"})"));
    BOOST_TEST_REQUIRE(after.has_value(), (after ? "" : after.error().message));
    BOOST_TEST(after->token == secret);
}

BOOST_AUTO_TEST_CASE(a_helper_cut_short_by_a_reload_is_killed_and_reaped)
{
    // Setup: the helper is running (its login waits on it).
    temp_dir dir;
    mockbill mock(dir);
    std::string other = "[profile.key]\nprovider = \"static\"\ntoken = \"sk_live_x\"\n";
    agent a(dir, slow_helper_profile(dir, mock, "kb") + other);
    pid_t helper = helper_pid(dir.path() / "kb.pid");
    BOOST_TEST_REQUIRE(helper > 0);
    BOOST_TEST_REQUIRE(group_alive(helper));

    // Exercise: a reload that drops the profile.
    dir.write(fs::path(a.config_path()).filename().string(), other, 0600);
    std::size_t before = count(a.log(), "reload: ");
    a.process().signal(SIGHUP);
    BOOST_TEST_REQUIRE(wait_for([&] { return count(a.log(), "reload: ") > before; }), a.log());

    // Check: the helper's whole group is gone, and tokend has no child left, zombie or not.
    BOOST_TEST(wait_for([&] { return !group_alive(helper); }, 3s));
    BOOST_TEST(wait_for([&] { return children_of(a.process().pid()).empty(); }, 3s));
    for (const auto& c : children_of(a.process().pid()))
        BOOST_TEST_MESSAGE("left over: pid " << c.pid << " state " << c.state);
    BOOST_TEST(a.ask(R"({"op":"hello"})").find("\"ok\":true") != std::string::npos);
    BOOST_TEST(mock.stat("killb.login_calls") == 0);
}

BOOST_AUTO_TEST_CASE(a_helper_running_at_sigterm_is_killed_with_its_group)
{
    // Setup
    temp_dir dir;
    mockbill mock(dir);
    agent a(dir, slow_helper_profile(dir, mock, "kb"));
    pid_t helper = helper_pid(dir.path() / "kb.pid");
    BOOST_TEST_REQUIRE(helper > 0);
    BOOST_TEST_REQUIRE(group_alive(helper));

    // Exercise
    a.process().signal(SIGTERM);
    auto status = a.process().wait(5s);

    // Check: tokend stopped as usual and took the helper (and its `sleep`) with it.
    BOOST_TEST(status.value_or(-1) == 0);
    BOOST_TEST(wait_for([&] { return !group_alive(helper); }, 3s));
}

BOOST_AUTO_TEST_SUITE_END()
