// SPDX-License-Identifier: MIT
// Which socket tok talks to, and when it refuses to say anything (docs/security.md, "Another
// local user on a shared host"; docs/client.md, "Finding the agent"). A squatter of another uid —
// in a directory of its own, at the predictable /tmp/tokend-$UID fallback, or listening from
// inside a directory of ours — gets no byte from `tok add` and cannot make `tok header` print
// its token. Without XDG_RUNTIME_DIR (cron, ssh without pam_systemd) tok still finds an agent
// in /run/user/$UID. Runs as root with uid 65534 as the other user; the /run/user and /tmp
// cases run in a private mount namespace (unshare -m) so the host's directories stay untouched.
#include "fake_listener.hpp"
#include "process.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

using namespace tokend::test;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(socket_trust)

// Helpers live inside the suite's namespace, so a unity build can merge test files.
namespace {

constexpr uid_t nobody = 65534;
const std::string squatter_token = R"({"ok":true,"profile":"prod","token":"squatted","token_id":"t1",)"
                                   R"("expires_at":null,"headers":{"Authorization":"Bearer squatted"}})";

boost::test_tools::assertion_result running_as_root(boost::unit_test::test_unit_id)
{
    boost::test_tools::assertion_result ok(::geteuid() == 0);
    ok.message() << "SKIPPED: acting as another uid (65534) needs root";
    return ok;
}

// unshare -m with a tmpfs on /run/user: root, and a kernel and container that allow it.
boost::test_tools::assertion_result private_mounts_allowed(boost::unit_test::test_unit_id)
{
    run_result r = run({"unshare", "-m", "sh", "-c", "mount -t tmpfs tmpfs /run/user"}, {}, {}, 10s);
    boost::test_tools::assertion_result ok(::geteuid() == 0 && r.status == 0);
    ok.message() << "SKIPPED: cannot mount a tmpfs on /run/user in a private mount namespace (needs root, "
                    "unshare and an existing /run/user): "
                 << r.err;
    return ok;
}

std::string make_dir(const fs::path& p, uid_t owner, mode_t mode)
{
    fs::create_directory(p);
    BOOST_REQUIRE(::chown(p.c_str(), owner, owner) == 0 && ::chmod(p.c_str(), mode) == 0);
    return p.string();
}


// A private mount namespace held by a sleeping process: /run/user is an empty tmpfs, and
// with `private_tmp` /tmp too; `setup` (sh) runs inside before it reports ready.
class mount_namespace {
public:
    mount_namespace(const temp_dir& log_dir, bool private_tmp, const std::string& setup)
    {
        std::string script = "mount -t tmpfs -o mode=755 tmpfs /run/user && ";
        if (private_tmp) {
            // The build tree may itself live under /tmp (CI clones there): carry the binaries'
            // directories over into the private /tmp through a bind mount parked in /run/user.
            std::string keep, restore;
            int n = 0;
            for (const std::string& bin : {tokend_bin(), tok_bin()}) {
                const std::string dir = fs::path(bin).parent_path().string(), parked = "/run/user/.keep" + std::to_string(n++);
                keep += "mkdir " + parked + " && mount --bind '" + dir + "' " + parked + " && ";
                restore += "mkdir -p '" + dir + "' && mount --bind " + parked + " '" + dir + "' && ";
            }
            script += keep + "mount -t tmpfs -o mode=1777 tmpfs /tmp && " + restore;
        }
        script += setup + " && echo ready && exec sleep 120";
        holder_ = std::make_unique<child>(std::vector<std::string>{"unshare", "-m", "sh", "-c", script},
                                          std::vector<std::string>{}, log_dir.path().string());
        bool ready = wait_for([&] { return holder_->out() == "ready\n" || !holder_->running(); });
        BOOST_REQUIRE_MESSAGE(ready && holder_->running(), "the mount namespace was not set up: " << holder_->err());
    }
    pid_t pid() const { return holder_->pid(); }
    // argv run inside the namespace.
    std::vector<std::string> inside(std::vector<std::string> argv) const
    {
        argv.insert(argv.begin(), {"nsenter", "-t", std::to_string(holder_->pid()), "-m", "--"});
        return argv;
    }
    // A path inside the namespace, as seen from outside it.
    std::string from_outside(const std::string& path) const
    {
        return "/proc/" + std::to_string(holder_->pid()) + "/root" + path;
    }

private:
    std::unique_ptr<child> holder_;
};

// The environment of a cron job: no XDG_RUNTIME_DIR, no TOKEND_SOCK.
const std::vector<std::string> cron_env{"XDG_RUNTIME_DIR=", "TOKEND_SOCK="};

} // namespace

BOOST_AUTO_TEST_CASE(tok_sends_nothing_to_a_squatter_in_a_directory_of_another_uid,
                     *boost::unit_test::precondition(running_as_root))
{
    // Setup: uid 65534 made the directory (0755, as an attacker would) and listens in it,
    // ready to answer any request with a token of its choosing.
    temp_dir dir;
    ::chmod(dir.path().c_str(), 0711);
    std::string squat = make_dir(dir.path() / "tokend-0", nobody, 0755);
    std::string socket = squat + "/socket";
    fake_listener squatter(socket, fake_listener_options().bound_by(nobody).answering(squatter_token));

    // Exercise: the password, by --socket and by $TOKEND_SOCK; then a token.
    run_result add = run({tok_bin(), "--socket", socket, "add", "prod", "--stdin"}, {}, "hunter2\n");
    run_result add_env = run({tok_bin(), "add", "prod", "--stdin"}, {"TOKEND_SOCK=" + socket}, "hunter2\n");
    run_result header = run({tok_bin(), "--socket", socket, "header", "prod"});
    probe(squatter, socket, 1);

    // Check: exit 1 with one line naming the directory and what is wrong with it; the
    // squatter's only connection is the probe; no token printed.
    const std::string refusal = "tok: " + squat + " is owned by uid 65534, not by uid 0; refusing to send anything to "
                                + socket + "\n";
    for (const run_result* r : {&add, &add_env, &header}) {
        BOOST_TEST(r->status == 1);
        BOOST_TEST(r->err == refusal);
        BOOST_TEST(r->out.empty());
    }
    BOOST_TEST(squatter.connections() == 1);
    BOOST_TEST(squatter.bytes_received() == probe_line.size());
}

BOOST_AUTO_TEST_CASE(tok_checks_who_listens_before_sending_a_byte, *boost::unit_test::precondition(running_as_root))
{
    // Setup: a directory of ours, 0700, and in it a socket bound by root whose listener then
    // became uid 65534: only SO_PEERCRED can tell.
    temp_dir dir;
    std::string socket = make_dir(dir.path() / "run", 0, 0700) + "/socket";
    fake_listener squatter(socket, fake_listener_options().listening_as(nobody).answering(squatter_token));

    // Exercise
    run_result add = run({tok_bin(), "--socket", socket, "add", "prod", "--stdin"}, {}, "hunter2\n");
    run_result header = run({tok_bin(), "--socket", socket, "header", "prod"});
    probe(squatter, socket, 3);

    // Check: both connected and left without a byte.
    const std::string refusal = "tok: the process listening on " + socket + " (pid " + std::to_string(squatter.pid())
                                + ") runs as uid 65534, neither ours (0) nor root; refusing to send anything to it\n";
    for (const run_result* r : {&add, &header}) {
        BOOST_TEST(r->status == 1);
        BOOST_TEST(r->err == refusal);
        BOOST_TEST(r->out.empty());
    }
    BOOST_TEST(squatter.bytes_received() == probe_line.size());
}

BOOST_AUTO_TEST_CASE(tok_does_not_follow_a_symlinked_socket_directory)
{
    // Setup: a symbolic link to a directory of ours with a listener of ours: trusted on its
    // own, but whoever can re-point the link chooses where the next `tok add` goes.
    temp_dir dir;
    std::string real = make_dir(dir.path() / "real", ::geteuid(), 0700);
    fs::create_directory_symlink(real, dir.path() / "link");
    fake_listener listener(real + "/socket", fake_listener_options());

    // Exercise
    run_result add = run({tok_bin(), "--socket", (dir.path() / "link" / "socket").string(), "add", "prod", "--stdin"},
                         {}, "hunter2\n");
    probe(listener, real + "/socket", 1);

    // Check
    BOOST_TEST(add.status == 1);
    BOOST_TEST(add.err.starts_with("tok: " + (dir.path() / "link").string() + " is a symbolic link;"), add.err);
    BOOST_TEST(listener.bytes_received() == probe_line.size());
}

BOOST_AUTO_TEST_CASE(without_XDG_RUNTIME_DIR_tok_finds_the_agent_in_run_user,
                     *boost::unit_test::precondition(private_mounts_allowed))
{
    // Setup: /run/user/$UID exists (as pam_systemd makes it); tokend starts there with no
    // XDG_RUNTIME_DIR, TOKEND_SOCK or --socket, as tok is run by cron.
    temp_dir dir;
    const std::string uid = std::to_string(::geteuid());
    mount_namespace ns(dir, false, "mkdir -m 700 /run/user/" + uid);
    std::string config = dir.write("config.toml", "[profile.s]\nprovider = \"static\"\ntoken = \"sk_static_1\"\n");
    child agent(ns.inside({tokend_bin(), "--config", config}), cron_env, dir.path().string());
    const std::string expected = "/run/user/" + uid + "/tokend/socket";
    bool up = wait_for([&] { return fs::exists(ns.from_outside(expected)) || !agent.running(); });
    BOOST_TEST_REQUIRE((up && agent.running()), agent.err());

    // Exercise
    run_result ping = run(ns.inside({tok_bin(), "ping"}), cron_env);
    run_result token = run(ns.inside({tok_bin(), "token", "s"}), cron_env);

    // Check
    BOOST_TEST(ping.status == 0, ping.err);
    BOOST_TEST(ping.out.ends_with(" at " + expected + "\n"), ping.out);
    BOOST_TEST(token.out == "sk_static_1\n");
    BOOST_TEST(agent.err().find("listening on " + expected) != std::string::npos, agent.err());
}

BOOST_AUTO_TEST_CASE(at_the_tmp_fallback_a_squatter_gets_nothing_from_tok_or_tokend,
                     *boost::unit_test::precondition(private_mounts_allowed))
{
    // Setup: a private /tmp and /run/user. /run/user/$UID is a symbolic link (not ours to
    // trust), so the fallback is /tmp/tokend-$UID, which uid 65534 created first and listens in.
    temp_dir dir;
    const std::string uid = std::to_string(::geteuid());
    const std::string squat = "/tmp/tokend-" + uid;
    mount_namespace ns(dir, true,
                       "mkdir -m 700 /run/user/elsewhere && ln -s elsewhere /run/user/" + uid + " && mkdir -m 755 "
                           + squat + " && chown 65534:65534 " + squat);
    fake_listener squatter(
        squat + "/socket",
        fake_listener_options().in_mount_namespace_of(ns.pid()).bound_by(nobody).answering(squatter_token));
    std::string config = dir.write("config.toml", "[profile.prod]\nprovider = \"aviate\"\n"
                                                  "url = \"http://127.0.0.1:1\"\nemail = \"ops@example.com\"\n");
    fs::copy_file(config, ns.from_outside("/tmp/config.toml"));

    // Exercise
    run_result add = run(ns.inside({tok_bin(), "add", "prod", "--stdin"}), cron_env, "hunter2\n");
    run_result header = run(ns.inside({tok_bin(), "header", "prod"}), cron_env);
    run_result agent = run(ns.inside({tokend_bin(), "--config", "/tmp/config.toml"}), cron_env, {}, 10s);
    probe(squatter, ns.from_outside(squat + "/socket"), 1);

    // Check: tok and tokend both looked at /tmp/tokend-$UID and refused it; nothing was sent.
    const std::string problem = squat + " is owned by uid 65534, not by uid " + uid + "; refusing to ";
    BOOST_TEST(add.status == 1);
    BOOST_TEST(add.err == "tok: " + problem + "send anything to " + squat + "/socket\n");
    BOOST_TEST(header.status == 1);
    BOOST_TEST(header.out.empty());
    BOOST_TEST(agent.status == 1);
    BOOST_TEST(agent.err.find(problem + "put the socket there") != std::string::npos, agent.err);
    BOOST_TEST(squatter.bytes_received() == probe_line.size());
}

BOOST_AUTO_TEST_SUITE_END()
