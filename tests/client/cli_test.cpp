// SPDX-License-Identifier: MIT
// The tok binary against a real tokend: each command's output and each exit code.
#include "fixtures.hpp"

#include <boost/test/unit_test.hpp>

#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <poll.h>

using namespace tokend::test;
using namespace tok::test;
using namespace std::chrono_literals;

namespace {

const std::string bearer_line = "Authorization: Bearer " + std::string(static_token) + "\n";

// Reads what the terminal shows until `until` appears or 5 s pass.
std::string read_terminal(int master, const std::string& until)
{
    std::string seen;
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (seen.find(until) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        pollfd p{master, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0)
            continue;
        char buf[256];
        ssize_t n = ::read(master, buf, sizeof buf);
        if (n <= 0)
            break;
        seen.append(buf, static_cast<std::size_t>(n));
    }
    return seen;
}

run_result tok_at(const std::string& socket, std::vector<std::string> args)
{
    args.insert(args.begin(), {tok_bin(), "--socket", socket});
    return run(args);
}

} // namespace

BOOST_AUTO_TEST_SUITE(cli)

BOOST_AUTO_TEST_CASE(header_and_token_print_the_token)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));

    // Exercise
    auto header = a.tok({"header", "s"});
    auto token = a.tok({"token", "s"});
    auto options_after = run({tok_bin(), "token", "s", "--socket", a.socket()});

    // Check
    BOOST_TEST(header.status == 0, header.err);
    BOOST_TEST(header.out == bearer_line);
    BOOST_TEST(token.status == 0, token.err);
    BOOST_TEST(token.out == std::string(static_token) + "\n");
    BOOST_TEST(options_after.out == token.out);
    BOOST_TEST(header.err.empty());
}

BOOST_AUTO_TEST_CASE(json_prints_the_agents_answer_as_it_is)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));

    // Exercise
    auto token = a.tok({"--json", "token", "s"});
    auto status = a.tok({"status", "s", "--json"});
    auto ping = a.tok({"ping", "--json"});
    auto unknown = a.tok({"--json", "token", "nope"});

    // Check: one JSON object per line; errors too, with the exit code still telling.
    BOOST_TEST(token.out == a.ask(R"({"op":"get","profile":"s"})") + "\n");
    BOOST_TEST(status.out.starts_with(R"({"ok":true,"profiles":[{"name":"s","provider":"static")"));
    BOOST_TEST(ping.out.starts_with(R"({"ok":true,"agent":"tokend","version":")"));
    BOOST_TEST(unknown.status == 4);
    BOOST_TEST(unknown.out.starts_with(R"({"ok":false,"error":{"code":"unknown_profile")"));
}

BOOST_AUTO_TEST_CASE(status_prints_a_table)
{
    // Setup: a get waits until the static profile has loaded its token (state valid).
    temp_dir dir;
    agent a(dir, static_config(dir));
    a.tok({"token", "s"});

    // Exercise
    auto all = a.tok({"status"});
    auto one = a.tok({"status", "s"});

    // Check
    BOOST_TEST(all.status == 0, all.err);
    BOOST_TEST(all.out.starts_with("PROFILE  PROVIDER  STATE"));
    BOOST_TEST(all.out.find("\nnopass   aviate    no_credentials") != std::string::npos);
    BOOST_TEST(one.out.find("\ns        static    valid") != std::string::npos);
    BOOST_TEST(one.out.find("nopass") == std::string::npos);
    BOOST_TEST(all.out.find(static_token) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(ping_reload_and_invalidate)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));

    // Exercise
    auto ping = a.tok({"ping"});
    auto reload = a.tok({"reload"});
    auto invalidate = a.tok({"invalidate", "s"});
    auto conditional = a.tok({"invalidate", "s", "--token-id", "not-the-current-one"});

    // Check
    BOOST_TEST(ping.status == 0, ping.err);
    BOOST_TEST(ping.out == "tokend " TOKEND_VERSION " (protocol 1) at " + a.socket() + "\n");
    BOOST_TEST(reload.status == 0, reload.err);
    BOOST_TEST(invalidate.status == 0, invalidate.err);
    BOOST_TEST(conditional.status == 0, conditional.err);
    BOOST_TEST(a.log().find("reload") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(add_reads_a_line_from_stdin)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));

    // Exercise
    auto added = a.tok({"add", "nopass", "--stdin"}, "a-password\n");
    auto empty = a.tok({"add", "nopass", "--stdin"}, "\n");
    auto status = a.tok({"status", "nopass"});

    // Check
    BOOST_TEST(added.status == 0, added.err);
    BOOST_TEST(empty.status == 2);
    BOOST_TEST(status.out.find("no_credentials") == std::string::npos);
    BOOST_TEST(a.log().find("a-password") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(add_reads_the_password_from_the_terminal_without_echo)
{
    // Setup: tok runs on a pseudo-terminal of its own.
    temp_dir dir;
    agent a(dir, static_config(dir));
    std::string tok = tok_bin(), socket = a.socket();
    int master = -1;
    pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
    BOOST_TEST_REQUIRE(pid >= 0);
    if (pid == 0) {
        ::execl(tok.c_str(), tok.c_str(), "--socket", socket.c_str(), "add", "nopass", static_cast<char*>(nullptr));
        ::_exit(127);
    }

    // Exercise
    std::string prompt = read_terminal(master, "': ");
    std::string typed = "terminal-secret\n";
    BOOST_TEST_REQUIRE(::write(master, typed.data(), typed.size()) == static_cast<ssize_t>(typed.size()));
    std::string after = read_terminal(master, "kept in its memory only");
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(master);

    // Check: prompted, nothing echoed, accepted.
    BOOST_TEST(prompt.find("Password for profile 'nopass': ") != std::string::npos);
    BOOST_TEST(after.find("terminal-secret") == std::string::npos);
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    BOOST_TEST(a.tok({"status", "nopass"}).out.find("no_credentials") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(add_without_a_terminal_says_to_use_stdin)
{
    // Setup: run() gives tok no controlling terminal.
    temp_dir dir;
    agent a(dir, static_config(dir));

    // Exercise
    auto r = run({"setsid", tok_bin(), "--socket", a.socket(), "add", "nopass"});

    // Check
    BOOST_TEST(r.status == 1);
    BOOST_TEST(r.err == "tok: no terminal to read the password from; pipe it in with --stdin\n");
}

BOOST_AUTO_TEST_CASE(exit_codes_follow_docs_client_md)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));
    silent_listener silent(dir);

    // Exercise
    auto usage = a.tok({"token"});
    auto unknown = a.tok({"token", "nope"});
    auto no_creds = a.tok({"token", "nopass"});
    auto down = a.tok({"token", "down"});
    auto missing = tok_at((dir.path() / "none.sock").string(), {"ping"});
    auto stale = tok_at(stale_socket(dir), {"ping"});
    auto timeout = tok_at(silent.path(), {"--timeout", "300ms", "ping"});

    // Check: code and one line on stderr that says what to do.
    BOOST_TEST(usage.status == 2);
    BOOST_TEST(usage.err == "tok: token takes exactly one profile name\nTry `tok --help`.\n");
    BOOST_TEST(unknown.status == 4);
    BOOST_TEST(unknown.err == "tok: profile 'nope' is not configured; known: down, nopass, s\n");
    BOOST_TEST(no_creds.status == 5);
    BOOST_TEST(no_creds.err == "tok: profile 'nopass': no password configured; run `tok add nopass`\n");
    BOOST_TEST(down.status == 6, down.err);
    BOOST_TEST(missing.status == 3);
    BOOST_TEST(missing.err.find("tokend is not running at") == 5u);
    BOOST_TEST(missing.err.find("systemctl --user start tokend.socket") != std::string::npos);
    BOOST_TEST(stale.status == 3);
    BOOST_TEST(stale.err.find("stale socket") != std::string::npos);
    BOOST_TEST(timeout.status == 7);
    BOOST_TEST(timeout.err.find("no answer from tokend") != std::string::npos);
    for (const auto* r : {&usage, &unknown, &no_creds, &down, &missing, &stale, &timeout})
        BOOST_TEST(std::count(r->err.begin(), r->err.end(), '\n') <= 2);
}

BOOST_AUTO_TEST_CASE(socket_comes_from_the_environment)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));

    // Exercise
    auto r = run({tok_bin(), "token", "s"}, {"TOKEND_SOCK=" + a.socket()});

    // Check
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(r.out == std::string(static_token) + "\n");
}

BOOST_AUTO_TEST_CASE(help_and_version)
{
    // Exercise
    auto version = run({tok_bin(), "--version"});
    auto help = run({tok_bin(), "--help"});
    auto none = run({tok_bin()});

    // Check
    BOOST_TEST(version.status == 0);
    BOOST_TEST(version.out == "tok " TOKEND_VERSION "\n");
    BOOST_TEST(help.status == 0);
    BOOST_TEST(help.out.find("exit codes:") != std::string::npos);
    BOOST_TEST(none.status == 2);
    for (std::string cmd : {"header", "token", "curl", "exec", "status", "invalidate", "add", "reload", "ping"}) {
        BOOST_TEST_CONTEXT(cmd)
        {
            auto h = run({tok_bin(), cmd, "--help"});
            auto word = run({tok_bin(), "help", cmd});
            BOOST_TEST(h.status == 0);
            BOOST_TEST(h.out.starts_with("usage: tok " + cmd));
            BOOST_TEST(word.out == h.out);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
