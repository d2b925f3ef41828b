// SPDX-License-Identifier: MIT
// The files tokend acts on (docs/configuration.md, "Files tokend reads"): a config or ca_file
// that others can write, or that is not a regular file, is refused at start, by --check and on
// reload; a FIFO as ca_file never blocks; control characters in config strings are errors.
#include "process.hpp"

#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

using namespace tokend::test;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(config_files)

// Helpers live inside the suite's namespace, so a unity build can merge test files.
namespace {

std::string static_profile(const temp_dir& dir, const std::string& name)
{
    std::string file = dir.write(name + ".token", "tok_" + name + "\n", 0600);
    return "[profile." + name + "]\nprovider = \"static\"\ntoken_file = \"" + file + "\"\n";
}

// An https profile whose ca_file is `ca_file`. The trust store is needed once a TCP connection
// to `port` stands, before the TLS handshake.
std::string tls_profile(const temp_dir& dir, const std::string& ca_file, int port = 9)
{
    std::string pass = dir.write("av.pass", "demo-password\n", 0600);
    return "[profile.av]\nprovider = \"aviate\"\nurl = \"https://127.0.0.1:" + std::to_string(port)
           + "\"\nemail = \"demo@example.com\"\npassword_file = \"" + pass + "\"\ntimeout = \"2s\"\nca_file = \"" + ca_file
           + "\"\n";
}

std::string make_fifo(const temp_dir& dir, const std::string& name)
{
    std::string path = (dir.path() / name).string();
    BOOST_TEST_REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    return path;
}

run_result check(const std::string& config)
{
    return run({tokend_bin(), "--check", "--config", config}, {}, {}, 10s);
}

// tokend started for real: it must refuse and exit, not listen.
run_result start(const temp_dir& dir, const std::string& config)
{
    return run({tokend_bin(), "--config", config, "--socket", (dir.path() / "refused.sock").string()}, {}, {}, 10s);
}

std::size_t count(const std::string& text, const std::string& what)
{
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

// SIGHUP, then waits for the agent's log line about the outcome (applied or refused).
void sighup(agent& a)
{
    std::size_t before = count(a.log(), "reload: ") + count(a.log(), "reload refused");
    a.process().signal(SIGHUP);
    BOOST_TEST_REQUIRE(wait_for([&] { return count(a.log(), "reload: ") + count(a.log(), "reload refused") > before; }),
                       a.log());
}

} // namespace


BOOST_AUTO_TEST_CASE(a_config_others_can_write_stops_start_and_check_with_file_and_problem)
{
    // Setup: 0666 and 0620 configs, and (as root) one owned by nobody.
    temp_dir dir;
    std::string text = static_profile(dir, "s");
    struct case_t {
        std::string config;
        std::string problem;
    };
    std::vector<case_t> cases{
        {dir.write("world.toml", text, 0666), "writable by group or others (mode 0666); chmod go-w "},
        {dir.write("group.toml", text, 0620), "writable by group or others (mode 0620); chmod go-w "},
    };
    if (::geteuid() == 0) {
        cases.push_back({dir.write("theirs.toml", text, 0644), "owned by uid 65534, not by you (uid 0) or root"});
        BOOST_TEST_REQUIRE(::chown(cases.back().config.c_str(), 65534, 65534) == 0);
    } else {
        BOOST_TEST_MESSAGE("not root: the case of a config owned by another uid is skipped");
    }

    for (const case_t& c : cases) {
        BOOST_TEST_CONTEXT(c.config)
        {
            // Exercise
            run_result checked = check(c.config);
            run_result started = start(dir, c.config);

            // Check: both fail naming the file and the problem; nothing listens.
            BOOST_TEST(checked.status == 1, checked.err);
            BOOST_TEST(checked.err.find(c.config + ": " + c.problem) != std::string::npos, checked.err);
            BOOST_TEST(checked.out.find("OK") == std::string::npos, checked.out);
            BOOST_TEST(started.status == 1, started.err);
            BOOST_TEST(started.err.find(c.config + ": " + c.problem) != std::string::npos, started.err);
            BOOST_TEST(!fs::exists(dir.path() / "refused.sock"));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_reload_of_a_config_others_can_write_is_refused_and_the_old_one_stays)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_profile(dir, "s"));
    dir.write(fs::path(a.config_path()).filename().string(), static_profile(dir, "s") + static_profile(dir, "more"),
              0666);

    // Exercise: both ways to reload.
    sighup(a);
    run_result op = a.tok({"reload"});
    run_result more = a.tok({"token", "more"});
    run_result kept = a.tok({"token", "s"});

    // Check: refused with file and problem; the running config still serves, without "more".
    std::string problem = a.config_path() + ": writable by group or others (mode 0666)";
    BOOST_TEST(a.log().find("reload refused, the running config stays: " + problem) != std::string::npos, a.log());
    BOOST_TEST(op.status == 1, op.err);
    BOOST_TEST(op.err.find(problem) != std::string::npos, op.err);
    BOOST_TEST(more.status == 4, more.err);
    BOOST_TEST(kept.status == 0, kept.err);
    BOOST_TEST(kept.out == "tok_s\n");
}

BOOST_AUTO_TEST_CASE(a_fifo_as_ca_file_fails_check_and_start_promptly_and_never_freezes_the_agent)
{
    // Setup: a FIFO nobody writes to, and an agent whose config will name it after a reload.
    // mockbill accepts the TCP connection, after which the trust store is needed.
    temp_dir dir;
    mockbill mock(dir);
    std::string fifo = make_fifo(dir, "ca.fifo");
    std::string config = dir.write("fifo.toml", tls_profile(dir, fifo, mock.port()), 0600);
    agent a(dir, static_profile(dir, "s"));

    // Exercise
    auto t0 = std::chrono::steady_clock::now();
    run_result checked = check(config);
    run_result started = start(dir, config);
    auto took = std::chrono::steady_clock::now() - t0;
    dir.write(fs::path(a.config_path()).filename().string(), tls_profile(dir, fifo, mock.port()) + static_profile(dir, "s"),
              0600);
    sighup(a);
    auto hello_at = std::chrono::steady_clock::now();
    std::string hello = a.ask(R"({"op":"hello"})");
    auto hello_took = std::chrono::steady_clock::now() - hello_at;
    run_result kept = a.tok({"token", "s"});

    // Check: file, line and key, then what the ca_file is; the agent answers at once (before
    // this fix the FIFO was opened at the first login, from the event loop, and blocked it).
    std::string problem = ":7: profile.av.ca_file: " + fifo + ": not a regular file (a FIFO)";
    BOOST_TEST(checked.status == 1, checked.err);
    BOOST_TEST(checked.err.find(config + problem) != std::string::npos, checked.err);
    BOOST_TEST(started.status == 1, started.err);
    BOOST_TEST(started.err.find(config + problem) != std::string::npos, started.err);
    BOOST_TEST(took < 5s);
    BOOST_TEST(a.log().find("reload refused, the running config stays: " + a.config_path() + problem)
                   != std::string::npos, a.log());
    BOOST_TEST(hello.find("\"ok\":true") != std::string::npos, hello);
    BOOST_TEST(hello_took < 1s);
    BOOST_TEST(kept.status == 0, kept.err);
}

BOOST_AUTO_TEST_CASE(a_ca_file_others_can_write_is_refused)
{
    // Setup
    temp_dir dir;
    std::string ca = dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", 0666);
    std::string config = dir.write("config.toml", tls_profile(dir, ca), 0600);

    // Exercise
    run_result r = check(config);

    // Check
    BOOST_TEST(r.status == 1, r.err);
    BOOST_TEST(r.err.find(config + ":7: profile.av.ca_file: " + ca + ": writable by group or others (mode 0666)")
                   != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(check_reports_a_control_character_in_a_header_value_with_file_line_and_key)
{
    // Setup: TOML's "\r\n" escape in an api_key, which aviate serves as X-Killbill-ApiKey.
    temp_dir dir;
    std::string pass = dir.write("av.pass", "demo-password\n", 0600);
    std::string config = dir.write("config.toml", "[profile.av]\nprovider = \"aviate\"\nurl = \"http://127.0.0.1:9\"\n"
                                                  "email = \"demo@example.com\"\npassword_file = \"" + pass + "\"\n"
                                                  "api_key = \"tenant\\r\\nX-Injected: yes\"\n", 0600);

    // Exercise
    run_result r = check(config);

    // Check
    BOOST_TEST(r.status == 1, r.err);
    BOOST_TEST(r.err.find(config + ":6: profile.av.api_key: must not contain a control character (found CR)")
                   != std::string::npos, r.err);
}

BOOST_AUTO_TEST_SUITE_END()
