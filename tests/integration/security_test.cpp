// SPDX-License-Identifier: MIT
// Who may ask and what can leak (docs/security.md): SO_PEERCRED
// refusals under permissive socket modes, the socket directory checks, a non-dumpable
// process with its secrets in locked memory, and no secret in logs, status, errors or argv.
// The tests run as root (as CI does) and use uid 65534 (nobody) and 4242 as other users.
#include "process.hpp"
#include "raw_client.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

using namespace tokend::test;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(security)

// Helpers live inside the suite's namespace, so a unity build can merge test files.
namespace {

constexpr uid_t nobody = 65534;
constexpr uid_t stranger = 4242; // a uid with no account at all

const std::string hello_answer = R"({"ok":true,"agent":"tokend","version":")" TOKEND_VERSION R"(","protocol":1,"proxy":[]})";
const std::string refused_answer =
    R"({"ok":false,"error":{"code":"permission_denied","message":"this agent serves only its own user"}})";

std::vector<std::string> as_nobody(std::vector<std::string> argv)
{
    std::vector<std::string> out{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
}

std::string slurp(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::size_t count(const std::string& text, const std::string& what)
{
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

std::string aviate_profile(const std::string& name, const mockbill& mock, const std::string& pass_file)
{
    return "[profile." + name + "]\nprovider = \"aviate\"\nurl = \"" + mock.url()
           + "\"\nemail = \"demo@example.com\"\npassword_file = \"" + pass_file + "\"\n";
}

// tokend under `argv_prefix` (e.g. setpriv) on `socket`, up once a root client gets hello.
std::unique_ptr<child> start_agent(const temp_dir& dir, std::vector<std::string> argv, const std::string& socket)
{
    auto c = std::make_unique<child>(std::move(argv), std::vector<std::string>{}, dir.path().string());
    bool up = wait_for([&] { return ask(socket, R"({"op":"hello"})", 1s) == hello_answer || !c->running(); });
    BOOST_REQUIRE_MESSAGE(up && c->running(), "tokend did not start: " << c->err());
    return c;
}

// tokend running as nobody in a directory of its own, dir/nobody, with an aviate profile
// against `mock`. tokend wants the directory 0700; once it listens, the test opens it to
// 0711 (reachable by anyone who knows the path, listable by nobody else).
// `wrapper` runs before setpriv (e.g. prlimit).
struct nobody_agent {
    std::string socket;
    std::unique_ptr<child> process;
};
nobody_agent start_as_nobody(const temp_dir& dir, const mockbill& mock, std::vector<std::string> wrapper = {},
                             std::vector<std::string> extra_args = {})
{
    ::chmod(dir.path().c_str(), 0711);
    fs::path home = dir.path() / "nobody";
    fs::create_directory(home);
    ::chmod(home.c_str(), 0700);
    BOOST_REQUIRE(::chown(home.c_str(), nobody, nobody) == 0);
    std::string pass = dir.write("nobody/av.pass", "demo-password\n");
    std::string config = dir.write("nobody/config.toml", aviate_profile("av", mock, pass));
    BOOST_REQUIRE(::chown(pass.c_str(), nobody, nobody) == 0 && ::chown(config.c_str(), nobody, nobody) == 0);
    nobody_agent a{(home / "socket").string(), nullptr};
    std::vector<std::string> argv = wrapper;
    for (auto& s : as_nobody({tokend_bin(), "--config", config, "--socket", a.socket}))
        argv.push_back(s);
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    a.process = start_agent(dir, argv, a.socket);
    ::chmod(home.c_str(), 0711);
    return a;
}

uid_t owner_of(const std::string& path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_uid : static_cast<uid_t>(-1);
}

} // namespace


BOOST_AUTO_TEST_CASE(a_peer_of_another_uid_is_refused_even_when_the_socket_mode_allows_it)
{
    // Setup: a root agent whose socket anyone may open (directory 0711, socket 0666, both
    // opened up after start-up: tokend itself creates neither).
    temp_dir dir;
    mockbill mock(dir);
    agent a(dir, aviate_profile("av", mock, dir.write("av.pass", "demo-password\n")));
    ::chmod(dir.path().c_str(), 0711);
    BOOST_TEST_REQUIRE(::chmod(a.socket().c_str(), 0666) == 0);

    // Exercise: nobody asks, once with raw bytes and once with tok under setpriv.
    foreign_exchange raw = exchange_as(nobody, nobody, a.socket(), R"({"op":"get","profile":"av"})");
    child tok(as_nobody({tok_bin(), "--socket", a.socket(), "token", "av"}), {}, dir.path().string());
    auto tok_status = tok.wait(10s);

    // Check: the mode let it connect; SO_PEERCRED refused it with exactly one answer, then
    // EOF; each refusal is logged once, with uid and pid; root is still served.
    BOOST_TEST(raw.connect_errno == 0);
    BOOST_TEST(raw.received == refused_answer + "\n");
    BOOST_TEST(raw.closed_by_agent);
    // tok, for its part, does not even connect: the directory is root's, not nobody's (the
    // client side of the check, docs/security.md): exit 1 (permission_denied), no token.
    BOOST_TEST(tok_status.value_or(-1) == 1, tok.err());
    BOOST_TEST(tok.err().find(dir.path().string() + " is owned by uid 0, not by uid 65534; refusing to send anything")
                   != std::string::npos,
               tok.err());
    BOOST_TEST(tok.out().empty());
    std::string line = "refused a connection from uid 65534 (pid " + std::to_string(raw.pid) + ")";
    BOOST_TEST(count(a.log(), line) == 1u, a.log());
    BOOST_TEST(count(a.log(), "refused") == 1u, a.log());
    BOOST_TEST(a.ask(R"({"op":"hello"})") == hello_answer);
}

BOOST_AUTO_TEST_CASE(an_agent_of_another_user_serves_root_and_its_user_and_refuses_a_third_uid)
{
    // Setup: tokend runs as nobody; its socket is chmod 0666 so that a stranger can reach it.
    temp_dir dir;
    mockbill mock(dir);
    auto [socket, agent] = start_as_nobody(dir, mock);
    BOOST_TEST_REQUIRE(::chmod(socket.c_str(), 0666) == 0);

    // Exercise
    std::string root_get = ask(socket, R"({"op":"get","profile":"av"})");
    foreign_exchange own = exchange_as(nobody, nobody, socket, R"({"op":"hello"})", 300ms);
    foreign_exchange third = exchange_as(stranger, stranger, socket, R"({"op":"get","profile":"av"})");

    // Check: root (not the agent's uid) is served, as with ssh-agent; the agent's own user
    // is served; uid 4242 is refused and logged.
    BOOST_TEST(root_get.starts_with(R"({"ok":true,"profile":"av","token":")"), root_get);
    BOOST_TEST(own.received == hello_answer + "\n");
    BOOST_TEST(!own.closed_by_agent);
    BOOST_TEST(third.connect_errno == 0);
    BOOST_TEST(third.received == refused_answer + "\n");
    BOOST_TEST(third.closed_by_agent);
    BOOST_TEST(count(agent->err(), "refused a connection from uid 4242 (pid " + std::to_string(third.pid) + ")") == 1u);
}

BOOST_AUTO_TEST_CASE(the_agent_is_not_dumpable_keeps_secrets_in_locked_memory_and_has_no_core_limit)
{
    // Setup: tokend as nobody, and a control process of the same user that did not harden.
    // The entries of a non-dumpable process's /proc/PID (status, environ, mem, ...) belong to
    // root, and another process of the same uid may not read its environ or memory: that is
    // what PR_SET_DUMPABLE 0 buys. (The /proc/PID directory itself keeps the process's uid.)
    temp_dir dir;
    mockbill mock(dir);
    auto [socket, agent] = start_as_nobody(dir, mock);
    child control(as_nobody({"sleep", "30"}), {}, dir.path().string());
    const std::string proc = "/proc/" + std::to_string(agent->pid());
    const std::string control_proc = "/proc/" + std::to_string(control.pid());
    BOOST_TEST_REQUIRE(wait_for([&] { return owner_of(control_proc + "/status") == nobody; }, 5s));

    // Check
    BOOST_TEST(slurp(proc + "/status").find("Uid:\t65534\t65534\t65534\t65534") != std::string::npos);
    BOOST_TEST(owner_of(proc + "/status") == 0u);
    BOOST_TEST(owner_of(proc + "/environ") == 0u);
    BOOST_TEST(owner_of(control_proc + "/status") == nobody);
    BOOST_TEST(open_errno_as(nobody, nobody, proc + "/environ") == EACCES);
    BOOST_TEST(open_errno_as(nobody, nobody, proc + "/mem") == EACCES);
    BOOST_TEST(open_errno_as(nobody, nobody, control_proc + "/environ") == 0);
    BOOST_TEST(proc_status_kb(agent->pid(), "VmLck") > 0);
    std::string limits = slurp(proc + "/limits");
    auto core = limits.find("Max core file size");
    BOOST_TEST_REQUIRE(core != std::string::npos);
    std::istringstream fields(limits.substr(core + std::strlen("Max core file size")));
    std::string soft, hard;
    fields >> soft >> hard;
    BOOST_TEST(soft == "0");
    BOOST_TEST(hard == "0");
}

BOOST_AUTO_TEST_CASE(without_lockable_memory_the_agent_still_starts_and_serves)
{
    // Setup: RLIMIT_MEMLOCK 0 for a user without CAP_IPC_LOCK: mlock must fail.
    temp_dir dir;
    mockbill mock(dir);

    // Exercise
    auto [socket, agent] = start_as_nobody(dir, mock, {"prlimit", "--memlock=0:0"}, {"--log-level", "debug"});
    std::string got = ask(socket, R"({"op":"get","profile":"av"})");

    // Check: nothing locked, said so at debug level, and tokens are served all the same.
    BOOST_TEST(proc_status_kb(agent->pid(), "VmLck") == 0);
    BOOST_TEST(agent->err().find("secure heap unavailable") != std::string::npos, agent->err());
    BOOST_TEST(got.starts_with(R"({"ok":true,"profile":"av","token":")"), got);
}

BOOST_AUTO_TEST_CASE(the_socket_directory_is_checked_at_start)
{
    // Setup
    temp_dir dir;
    mockbill mock(dir);
    std::string config = dir.write("config.toml", aviate_profile("av", mock, dir.write("av.pass", "demo-password\n")));
    auto start_in = [&](const std::string& sub) {
        return run({tokend_bin(), "--config", config, "--socket", (dir.path() / sub / "socket").string()}, {}, {}, 5s);
    };
    auto make_dir = [&](const std::string& sub, mode_t mode, uid_t owner) {
        fs::create_directory(dir.path() / sub);
        BOOST_REQUIRE(::chmod((dir.path() / sub).c_str(), mode) == 0);
        BOOST_REQUIRE(::chown((dir.path() / sub).c_str(), owner, owner) == 0);
    };
    make_dir("foreign", 0700, nobody);
    make_dir("world", 0777, 0);
    make_dir("group", 0770, 0);

    // Exercise and check: refused with a reason and exit 1.
    run_result foreign = start_in("foreign"), world = start_in("world"), group = start_in("group");
    BOOST_TEST(foreign.status == 1);
    BOOST_TEST(foreign.err.find("is owned by uid 65534") != std::string::npos, foreign.err);
    BOOST_TEST(world.status == 1);
    BOOST_TEST(world.err.find("has mode 0777, which lets group or others in") != std::string::npos, world.err);
    BOOST_TEST(group.status == 1);
    BOOST_TEST(group.err.find("has mode 0770, which lets group or others in") != std::string::npos, group.err);
    BOOST_TEST(!fs::exists(dir.path() / "world" / "socket"));

    // Exercise and check: a missing directory is created 0700, the socket is 0600.
    std::string fresh = (dir.path() / "fresh" / "socket").string();
    auto agent = start_agent(dir, {tokend_bin(), "--config", config, "--socket", fresh}, fresh);
    struct stat d {}, s {};
    BOOST_TEST_REQUIRE(::stat((dir.path() / "fresh").c_str(), &d) == 0);
    BOOST_TEST_REQUIRE(::stat(fresh.c_str(), &s) == 0);
    BOOST_TEST((d.st_mode & 07777) == 0700u);
    BOOST_TEST((s.st_mode & 07777) == 0600u);
    BOOST_TEST(S_ISSOCK(s.st_mode));

    // Exercise and check: a sticky world-writable directory (like /tmp) is refused too; more
    // cases (a symbolic link, 0711) are in socket_claim/the_socket_directory_is_examined_with_lstat.
    make_dir("sticky", 01777, 0);
    run_result sticky = start_in("sticky");
    BOOST_TEST(sticky.status == 1);
    BOOST_TEST(sticky.err.find("has mode 1777") != std::string::npos, sticky.err);
}

BOOST_AUTO_TEST_CASE(a_live_agents_socket_is_not_taken_and_a_stale_one_is_replaced)
{
    // Setup
    temp_dir dir;
    mockbill mock(dir);
    agent live(dir, aviate_profile("av", mock, dir.write("av.pass", "demo-password\n")));

    // Exercise and check: a second agent on the live socket refuses to start.
    run_result second = run({tokend_bin(), "--config", live.config_path(), "--socket", live.socket()}, {}, {}, 5s);
    BOOST_TEST(second.status == 1);
    BOOST_TEST(second.err.find("another agent is already listening") != std::string::npos, second.err);
    BOOST_TEST(live.ask(R"({"op":"hello"})") == hello_answer);

    // Exercise and check: a socket file nobody listens on is replaced.
    std::string stale = (dir.path() / "stale.sock").string();
    {
        int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, stale.c_str(), sizeof addr.sun_path - 1);
        BOOST_TEST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        ::close(fd); // the file stays, with nobody behind it
    }
    auto replacing = start_agent(dir, {tokend_bin(), "--config", live.config_path(), "--socket", stale}, stale);
    BOOST_TEST(ask(stale, R"({"op":"hello"})") == hello_answer);

    // Exercise and check: a file that is not a socket is never replaced.
    std::string not_socket = dir.write("plain", "keep me\n");
    run_result plain = run({tokend_bin(), "--config", live.config_path(), "--socket", not_socket}, {}, {}, 5s);
    BOOST_TEST(plain.status == 1);
    BOOST_TEST(plain.err.find("not a socket") != std::string::npos, plain.err);
    BOOST_TEST(slurp(not_socket) == "keep me\n");
}

BOOST_AUTO_TEST_SUITE_END()
