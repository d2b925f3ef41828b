// SPDX-License-Identifier: MIT
// tokend under a service manager, without one running: a datagram socket stands in for
// $NOTIFY_SOCKET, systemd-socket-activate for tokend.socket. Also stopping, --check and
// the log format (docs/operations.md).
#include "process.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <thread>

using namespace tokend::test;
namespace fs = std::filesystem;

// Helpers live in the suite's namespace: unity builds put all suites in one file.
BOOST_AUTO_TEST_SUITE(systemd)

using clock_type = std::chrono::steady_clock;

// The service manager's end of $NOTIFY_SOCKET: one datagram per sd_notify call.
class notify_socket {
public:
    explicit notify_socket(const temp_dir& dir) : path_((dir.path() / "notify").string())
    {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
        BOOST_REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    }
    ~notify_socket() { ::close(fd_); }
    notify_socket(const notify_socket&) = delete;
    notify_socket& operator=(const notify_socket&) = delete;

    std::string env() const { return "NOTIFY_SOCKET=" + path_; }

    std::optional<std::string> next(std::chrono::milliseconds timeout)
    {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0)
            return std::nullopt;
        char buf[4096];
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        return n < 0 ? std::nullopt : std::optional<std::string>(std::string(buf, static_cast<std::size_t>(n)));
    }

    // Every datagram up to and including the first that contains `what` (watchdog pings
    // left out); fails the test after `timeout`.
    std::vector<std::string> until(const std::string& what, std::chrono::milliseconds timeout = 5s)
    {
        std::vector<std::string> got;
        auto give_up = clock_type::now() + timeout;
        while (clock_type::now() < give_up) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(give_up - clock_type::now());
            auto m = next(left);
            if (!m)
                break;
            if (*m == "WATCHDOG=1")
                continue;
            got.push_back(*m);
            if (m->find(what) != std::string::npos)
                return got;
        }
        BOOST_FAIL("no " << what << " from tokend within " << timeout.count() << " ms; got " << got.size() << " others");
        return got;
    }

private:
    std::string path_;
    int fd_ = -1;
};

std::string static_profile(const temp_dir& dir, const std::string& name, const std::string& token)
{
    std::string file = dir.write(name + ".token", token + "\n", 0600);
    return "[profile." + name + "]\nprovider = \"static\"\ntoken_file = \"" + file + "\"\n";
}

std::string aviate_profile(const temp_dir& dir, const mockbill& mock, const std::string& name = "av",
                           const std::string& password = "demo-password")
{
    std::string pass = dir.write(name + ".pass", password + "\n", 0600);
    return "[profile." + name + "]\nprovider = \"aviate\"\nurl = \"" + mock.url()
           + "\"\nemail = \"demo@example.com\"\npassword_file = \"" + pass + "\"\n";
}

// The value of `KEY=` in a notify message.
std::string field(const std::string& message, const std::string& key)
{
    auto at = message.find(key + "=");
    if (at == std::string::npos)
        return {};
    at += key.size() + 1;
    return message.substr(at, message.find('\n', at) - at);
}

bool has_line(const std::string& message, const std::string& line)
{
    return ("\n" + message + "\n").find("\n" + line + "\n") != std::string::npos;
}

std::vector<std::string> tokend_argv(const std::string& config, const std::string& socket)
{
    return {tokend_bin(), "--config", config, "--socket", socket};
}

bool all_digits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "2025-01-31T12:00:00 " then `rest`.
bool timestamped(const std::string& line, const std::string& rest)
{
    if (line.size() < 20 || line.compare(20, rest.size(), rest) != 0)
        return false;
    for (std::size_t i = 0; i < 19; ++i) {
        char want = i == 4 || i == 7 ? '-' : i == 10 ? 'T' : i == 13 || i == 16 ? ':' : '0';
        if (want == '0' ? !all_digits(line.substr(i, 1)) : line[i] != want)
            return false;
    }
    return line[19] == ' ';
}

long ms_since(clock_type::time_point t)
{
    return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t).count());
}

bool ok(const std::string& answer) { return answer.find("\"ok\":true") != std::string::npos; }


BOOST_AUTO_TEST_CASE(ready_only_once_listening_then_reload_and_stop_notices_in_order)
{
    // Setup
    temp_dir dir;
    mockbill mock(dir);
    notify_socket notify(dir);
    std::string config = dir.write("config.toml", aviate_profile(dir, mock) + static_profile(dir, "key", "sk_live_1"));
    std::string socket = (dir.path() / "agent.sock").string();
    child tokend(tokend_argv(config, socket), {notify.env()}, dir.path().string());

    // Exercise + Check: at READY=1 the socket already answers.
    auto start = notify.until("READY=1");
    BOOST_TEST(ok(ask(socket, R"({"op":"hello"})", 1s)));
    BOOST_TEST(has_line(start.back(), "READY=1"));
    BOOST_TEST(field(start.back(), "STATUS").starts_with("2 profiles"), start.back());

    // Exercise: a reload once the aviate token is there.
    BOOST_TEST_REQUIRE(ok(ask(socket, R"({"op":"get","profile":"av"})")));
    BOOST_TEST_REQUIRE(ok(ask(socket, R"({"op":"get","profile":"key"})")));
    tokend.signal(SIGHUP);
    auto reload = notify.until("READY=1");

    // Check: RELOADING=1 (with MONOTONIC_USEC=), then READY=1 with a useful STATUS=.
    BOOST_TEST_REQUIRE(reload.size() >= 2u);
    auto reloading = std::find_if(reload.begin(), reload.end(), [](auto& m) { return has_line(m, "RELOADING=1"); });
    BOOST_TEST_REQUIRE((reloading != reload.end()));
    BOOST_TEST(!field(*reloading, "MONOTONIC_USEC").empty());
    std::string status = field(reload.back(), "STATUS");
    std::string prefix = "2 profiles: 2 valid; next refresh in ";
    BOOST_TEST((status.starts_with(prefix) && status.ends_with("m") && status.size() > prefix.size() + 1
                && all_digits(status.substr(prefix.size(), status.size() - prefix.size() - 1))),
               status);

    // Exercise: stop.
    tokend.signal(SIGTERM);
    auto stop = notify.until("STOPPING=1");

    // Check
    BOOST_TEST(tokend.wait(5s).value_or(-1) == 0);
    for (const auto& m : stop)
        BOOST_TEST(!has_line(m, "READY=1"), m);
}

BOOST_AUTO_TEST_CASE(watchdog_pings_come_when_watchdog_pid_names_tokend)
{
    // Setup: WATCHDOG_PID must be tokend's own pid, known only once it runs; a shell that
    // execs keeps its pid.
    temp_dir dir;
    notify_socket notify(dir);
    std::string config = dir.write("config.toml", static_profile(dir, "key", "sk_live_1"));
    std::string socket = (dir.path() / "agent.sock").string();
    std::vector<std::string> argv{"/bin/sh", "-c", "export WATCHDOG_PID=$$; exec \"$@\"", "sh"};
    for (auto& a : tokend_argv(config, socket))
        argv.push_back(a);
    child tokend(argv, {notify.env(), "WATCHDOG_USEC=200000"}, dir.path().string());
    notify.until("READY=1");

    // Exercise
    int pings = 0;
    auto until = clock_type::now() + 1s;
    while (auto m = notify.next(std::chrono::duration_cast<std::chrono::milliseconds>(until - clock_type::now())))
        pings += *m == "WATCHDOG=1";

    // Check: every 100 ms (half of WATCHDOG_USEC), allowing for a loaded machine.
    BOOST_TEST(pings >= 5, pings << " pings in 1 s");
    BOOST_TEST(pings <= 12, pings << " pings in 1 s");
}

BOOST_AUTO_TEST_CASE(no_watchdog_pings_for_another_process)
{
    // Setup: a WATCHDOG_PID that is not tokend is a variable it inherited, not meant for it.
    temp_dir dir;
    notify_socket notify(dir);
    std::string config = dir.write("config.toml", static_profile(dir, "key", "sk_live_1"));
    child tokend(tokend_argv(config, (dir.path() / "agent.sock").string()),
                 {notify.env(), "WATCHDOG_USEC=100000", "WATCHDOG_PID=1"}, dir.path().string());
    notify.until("READY=1");

    // Exercise
    int pings = 0;
    while (auto m = notify.next(500ms))
        pings += *m == "WATCHDOG=1";

    // Check
    BOOST_TEST(pings == 0);
}

BOOST_AUTO_TEST_CASE(socket_activation_serves_tok_and_leaves_the_socket_in_place)
{
    // Setup: systemd-socket-activate binds the path and execs tokend on the first connection.
    if (run({"sh", "-c", "command -v systemd-socket-activate"}).status != 0) {
        BOOST_TEST_MESSAGE("SKIPPED: systemd-socket-activate not found");
        return;
    }
    BOOST_TEST_REQUIRE(!tok_bin().empty());
    temp_dir dir;
    std::string config = dir.write("config.toml", static_profile(dir, "key", "sk_live_activated"));
    std::string socket = (dir.path() / "activated.sock").string();
    child activator({"systemd-socket-activate", "-l", socket, tokend_bin(), "--config", config}, {},
                    dir.path().string());
    // The path exists from bind(); connections are refused until listen() a moment later.
    run_result ping;
    BOOST_TEST_REQUIRE(wait_for([&] { return fs::exists(socket); }, 5s));

    // Exercise: the first ping that reaches the listening socket starts tokend.
    wait_for([&] { return (ping = run({tok_bin(), "--socket", socket, "ping"})).status != 3; }, 5s);
    run_result token = run({tok_bin(), "--socket", socket, "token", "key"});
    activator.signal(SIGTERM);
    auto status = activator.wait(5s);

    // Check
    BOOST_TEST(ping.status == 0, ping.err);
    BOOST_TEST(token.status == 0, token.err);
    BOOST_TEST(token.out == "sk_live_activated\n");
    BOOST_TEST(status.value_or(-1) == 0);
    BOOST_TEST(activator.err().find("listening on " + socket + " (from systemd)") != std::string::npos, activator.err());
    BOOST_TEST(fs::exists(socket)); // systemd's socket: tokend never unlinks it
}

// One raw HTTP/1.1 exchange over a Unix socket: what a proxy client on `http` sees.
std::string http_over_unix(const std::string& path, const std::string& request)
{
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    std::string got;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0
        && ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
        char buf[4096];
        pollfd p{fd, POLLIN, 0};
        while (::poll(&p, 1, 5000) > 0) {
            ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0)
                break;
            got.append(buf, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    return got;
}

BOOST_AUTO_TEST_CASE(a_socket_passed_as_http_is_the_proxy_listener)
{
    // Setup: two sockets, the second named "http" as tokend-http.socket names it; [proxy] listen
    // names a TCP port that must then stay unbound.
    if (run({"sh", "-c", "command -v systemd-socket-activate"}).status != 0) {
        BOOST_TEST_MESSAGE("SKIPPED: systemd-socket-activate not found");
        return;
    }
    BOOST_TEST_REQUIRE(!tok_bin().empty());
    temp_dir dir;
    std::string config = dir.write("config.toml", "[proxy]\nlisten = [\"127.0.0.1:0\"]\n\n"
                                                      + static_profile(dir, "key", "sk_live_activated"));
    std::string socket = (dir.path() / "agent.sock").string(), http = (dir.path() / "http").string();
    child activator({"systemd-socket-activate", "-l", socket, "-l", http, "--fdname=tokend.socket:http",
                     tokend_bin(), "--config", config},
                    {}, dir.path().string());
    BOOST_TEST_REQUIRE(wait_for([&] { return fs::exists(socket) && fs::exists(http); }, 5s));

    // Exercise: the first ping starts tokend with both sockets; then an HTTP request on `http`.
    run_result hello;
    wait_for([&] { return (hello = run({tok_bin(), "--socket", socket, "--json", "ping"})).status != 3; }, 5s);
    std::string answer = http_over_unix(http, "GET /nope/x HTTP/1.1\r\nHost: localhost\r\n\r\n");
    activator.signal(SIGTERM);
    auto status = activator.wait(5s);

    // Check: hello lists the passed socket alone; the proxy answers on it; systemd's file stays.
    BOOST_TEST(hello.status == 0, hello.err);
    BOOST_TEST(hello.out.find("\"proxy\":[\"unix:" + http + "\"]") != std::string::npos, hello.out);
    BOOST_TEST(answer.starts_with("HTTP/1.1 404 "), answer);
    BOOST_TEST(answer.find("X-Tokend-Error: unknown_profile\r\n") != std::string::npos, answer);
    BOOST_TEST(status.value_or(-1) == 0);
    BOOST_TEST(activator.err().find("proxy listening on " + http + " (from systemd)") != std::string::npos,
               activator.err());
    BOOST_TEST(fs::exists(http));
}

BOOST_AUTO_TEST_CASE(command_children_do_not_inherit_the_activated_socket)
{
    // Setup: the passed socket is fd 3. The password_command prints whether its shell has an
    // fd 3, and only one of the two answers is the password the upstream accepts.
    if (run({"sh", "-c", "command -v systemd-socket-activate"}).status != 0) {
        BOOST_TEST_MESSAGE("SKIPPED: systemd-socket-activate not found");
        return;
    }
    temp_dir dir;
    mockbill mock(dir);
    mock.control("/_mock/users", R"({"email":"probe@example.com","password":"fd3-closed"})");
    std::string config = dir.write("config.toml", "[profile.probe]\nprovider = \"aviate\"\nurl = \"" + mock.url()
                                                      + "\"\nemail = \"probe@example.com\"\npassword_command = "
                                                        "\"if [ -e /proc/self/fd/3 ]; then echo fd3-inherited; "
                                                        "else echo fd3-closed; fi\"\n");
    std::string socket = (dir.path() / "activated.sock").string();
    child activator({"systemd-socket-activate", "-l", socket, tokend_bin(), "--config", config}, {},
                    dir.path().string());
    BOOST_TEST_REQUIRE(wait_for([&] { return fs::exists(socket); }, 5s));

    // Exercise
    std::string answer = ask(socket, R"({"op":"get","profile":"probe"})");

    // Check
    BOOST_TEST(ok(answer), answer);
    BOOST_TEST(mock.stat("aviate.logins_ok") == 1);
}

BOOST_AUTO_TEST_CASE(sigterm_lets_a_get_in_flight_finish_then_exits_0_and_removes_the_socket)
{
    // Setup: the first login takes 1.5 s at the upstream.
    temp_dir dir;
    mockbill mock(dir);
    mock.control("/_mock/faults", R"({"api":"aviate","endpoint":"login","kind":"delay","delay_ms":1500})");
    agent a(dir, aviate_profile(dir, mock));
    std::string answer;
    std::thread client([&] { answer = a.ask(R"({"op":"get","profile":"av"})"); });
    BOOST_TEST_REQUIRE(wait_for([&] { return mock.stat("aviate.login_calls") >= 1; }, 5s));

    // Exercise
    auto sent = clock_type::now();
    a.process().signal(SIGTERM);
    auto status = a.process().wait(8s);
    long took = ms_since(sent);
    client.join();

    // Check: the waiting client got its token, and nobody can connect any more.
    BOOST_TEST(status.value_or(-1) == 0);
    BOOST_TEST(took < 3000);
    BOOST_TEST(ok(answer), answer);
    BOOST_TEST(!fs::exists(a.socket()));
    BOOST_TEST(a.log().find("SIGTERM: stopping") != std::string::npos, a.log());
}

BOOST_AUTO_TEST_CASE(sigterm_with_a_hung_upstream_still_exits_0_within_the_grace_period)
{
    // Setup: the login never answers; a client waits for it.
    temp_dir dir;
    mockbill mock(dir);
    mock.control("/_mock/faults", R"({"api":"aviate","endpoint":"login","kind":"hang"})");
    agent a(dir, aviate_profile(dir, mock) + "timeout = \"30s\"\n");
    std::string answer = "(none)";
    std::thread client([&] { answer = ask(a.socket(), R"({"op":"get","profile":"av"})", 20s); });
    BOOST_TEST_REQUIRE(wait_for([&] { return mock.stat("aviate.login_calls") >= 1; }, 5s));

    // Exercise
    auto sent = clock_type::now();
    a.process().signal(SIGTERM);
    auto status = a.process().wait(10s);
    long took = ms_since(sent);
    client.join();

    // Check: an error answer or a clean close, never a token and never a hang.
    BOOST_TEST(status.value_or(-1) == 0);
    BOOST_TEST(took < 6000);
    BOOST_TEST(answer.find("\"token\"") == std::string::npos, answer);
    BOOST_TEST((answer.empty() || answer.find("\"ok\":false") != std::string::npos), answer);
    BOOST_TEST(!fs::exists(a.socket()));
}

BOOST_AUTO_TEST_CASE(sigint_stops_an_idle_agent_at_once)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_profile(dir, "key", "sk_live_1"));
    BOOST_TEST_REQUIRE(ok(a.ask(R"({"op":"get","profile":"key"})")));

    // Exercise
    auto sent = clock_type::now();
    a.process().signal(SIGINT);
    auto status = a.process().wait(5s);

    // Check
    BOOST_TEST(status.value_or(-1) == 0);
    BOOST_TEST(ms_since(sent) < 1000);
    BOOST_TEST(!fs::exists(a.socket()));
    BOOST_TEST(a.log().find("stopped") != std::string::npos, a.log());
}

BOOST_AUTO_TEST_CASE(check_accepts_a_good_config_without_binding_or_running_commands)
{
    // Setup
    temp_dir dir;
    std::string marker = (dir.path() / "command-ran").string();
    std::string config = dir.write("config.toml", static_profile(dir, "key", "sk_live_1")
                                                      + "[profile.cmd]\nprovider = \"static\"\ntoken_command = \"touch "
                                                      + marker + "; echo t\"\n"
                                                      + "[profile.cred]\nprovider = \"static\"\ntoken_credential = \"k\"\n");
    std::string socket = (dir.path() / "agent.sock").string();

    // Exercise: outside systemd, so without $CREDENTIALS_DIRECTORY.
    run_result r = run({tokend_bin(), "--check", "--config", config, "--socket", socket}, {"CREDENTIALS_DIRECTORY="});

    // Check
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(r.out == config + ": OK (3 profiles; 1 _command secret not run; 1 _credential secret not read outside systemd)\n");
    BOOST_TEST(!fs::exists(marker));
    BOOST_TEST(!fs::exists(socket));
}

BOOST_AUTO_TEST_CASE(check_reports_every_unreadable_secret_with_its_line)
{
    // Setup: one missing file, one readable by others.
    temp_dir dir;
    std::string open_file = dir.write("open.token", "sk_live_open\n", 0644);
    std::string config = dir.write("config.toml", "[profile.a]\nprovider = \"static\"\ntoken_file = \""
                                                      + (dir.path() / "missing.token").string()
                                                      + "\"\n\n[profile.b]\nprovider = \"static\"\ntoken_file = \""
                                                      + open_file + "\"\n");

    // Exercise
    run_result r = run({tokend_bin(), "--check", "--config", config});

    // Check: both, each with file:line: key, in the plain format (no timestamps).
    BOOST_TEST(r.status == 1);
    BOOST_TEST(r.out.empty(), r.out);
    BOOST_TEST(r.err.find("error: " + config + ":3: profile.a.token_file: cannot open") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("error: " + config + ":7: profile.b.token_file: " + open_file + " must be owned by you")
                   != std::string::npos,
               r.err);
    BOOST_TEST(r.err.find("sk_live_open") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(check_and_start_name_the_same_config_error)
{
    // Setup
    temp_dir dir;
    std::string config = dir.write("config.toml", "[profile.x]\nprovider = \"static\"\ntoken_fiel = \"/nope\"\n");

    // Exercise
    run_result check = run({tokend_bin(), "--check", "--config", config});
    run_result start = run({tokend_bin(), "--config", config, "--socket", (dir.path() / "s").string()});

    // Check
    std::string message = config + ":3: profile.x.token_fiel: unknown key";
    BOOST_TEST(check.status == 1);
    BOOST_TEST(start.status == 1);
    BOOST_TEST(check.err == "error: " + message + "\n");
    BOOST_TEST(start.err.find(" error: " + message + "\n") != std::string::npos, start.err);
    BOOST_TEST(!fs::exists(dir.path() / "s"));
}

BOOST_AUTO_TEST_CASE(check_fails_without_a_config)
{
    // Setup: no config at the default path; a daemon would start empty, a check has nothing to vouch for.
    temp_dir dir;

    // Exercise
    run_result r = run({tokend_bin(), "--check"}, {"XDG_CONFIG_HOME=" + dir.path().string()});

    // Check
    BOOST_TEST(r.status == 1);
    BOOST_TEST(r.err.find((dir.path() / "tokend/config.toml").string() + ": cannot open") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(journal_stream_on_stderr_gives_syslog_priority_prefixes)
{
    // Setup: JOURNAL_STREAM names stderr's device and inode, as systemd sets it.
    temp_dir dir;
    std::string config = dir.write("config.toml", "[profile.x]\nprovider = \"nope\"\n");
    std::string as_journal = "export JOURNAL_STREAM=$(stat -L -c %d:%i /proc/$$/fd/2); exec \"$@\"";

    // Exercise
    run_result journal = run({"/bin/sh", "-c", as_journal, "sh", tokend_bin(), "--config", config});
    run_result inherited = run({tokend_bin(), "--config", config}, {"JOURNAL_STREAM=1:1"});

    // Check: "<3>" is LOG_ERR; a JOURNAL_STREAM that is not our stderr is ignored.
    BOOST_TEST(journal.status == 1);
    BOOST_TEST(journal.err.starts_with("<3>" + config + ":2: profile.x.provider: expected"), journal.err);
    BOOST_TEST(timestamped(inherited.err, "error: "), inherited.err);
}

BOOST_AUTO_TEST_CASE(log_level_comes_from_the_option_else_the_config)
{
    // Setup
    temp_dir dir;
    std::string quiet = static_profile(dir, "key", "sk_live_1") + "[agent]\nlog_level = \"warn\"\n";

    // Exercise
    agent from_config(dir, quiet);
    agent from_option(dir, quiet, {}, {"--log-level", "debug"});
    BOOST_TEST_REQUIRE(ok(from_option.ask(R"({"op":"get","profile":"key"})")));

    // Check: the option wins over the config.
    BOOST_TEST(from_config.log().find("listening on") == std::string::npos, from_config.log());
    BOOST_TEST(from_option.log().find("listening on") != std::string::npos, from_option.log());
    BOOST_TEST(from_option.log().find(" debug: ") != std::string::npos, from_option.log());
}

BOOST_AUTO_TEST_SUITE_END()
