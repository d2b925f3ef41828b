// SPDX-License-Identifier: MIT
#include "secrets/command.hpp"
#include "secrets/secret_source.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

using namespace tokend::agent;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct secret_scratch {
    fs::path dir;
    secret_scratch()
    {
        std::string p = (fs::temp_directory_path() / "tokend-secret-XXXXXX").string();
        BOOST_REQUIRE(::mkdtemp(p.data()));
        dir = p;
    }
    ~secret_scratch() { fs::remove_all(dir); }
    std::string file(const std::string& name, const std::string& text, mode_t mode)
    {
        std::string p = (dir / name).string();
        std::ofstream(p) << text;
        ::chmod(p.c_str(), mode);
        return p;
    }
};

secret_source source(secret_source::kind how, std::string ref)
{
    return {how, std::move(ref), "t.toml:3: profile.p.password_x", {}};
}

std::string read_ok(const secret_source& s)
{
    auto r = read_secret(s);
    BOOST_TEST_REQUIRE(r.has_value(), (r ? "" : r.error().message()));
    BOOST_TEST_REQUIRE(r->has_value());
    return std::string((*r)->view());
}

std::string read_error(const secret_source& s)
{
    auto r = read_secret(s);
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error().code == agent_errc::secret));
    return r.error().message();
}

boost::system::result<secret, agent_error> run_command(const std::string& cmd, duration timeout)
{
    boost::asio::io_context ioc;
    std::optional<boost::system::result<secret, agent_error>> out;
    boost::asio::co_spawn(ioc, run_secret_command(cmd, timeout, "t.toml:3: profile.p.password_command"),
                          [&](std::exception_ptr e, boost::system::result<secret, agent_error> r) {
                              BOOST_TEST(!e);
                              out = std::move(r);
                          });
    ioc.run_for(20s);
    BOOST_TEST_REQUIRE(out.has_value());
    return std::move(*out);
}

} // namespace

BOOST_AUTO_TEST_SUITE(secret_sources)

BOOST_AUTO_TEST_CASE(env_reads_the_first_line)
{
    ::setenv("TOKEND_TEST_PW", "hunter2\nsecond", 1);
    BOOST_TEST(read_ok(source(secret_source::kind::env, "TOKEND_TEST_PW")) == "hunter2");
    std::string e = read_error(source(secret_source::kind::env, "TOKEND_TEST_NEVER_SET"));
    BOOST_TEST(e == "t.toml:3: profile.p.password_x: environment variable TOKEND_TEST_NEVER_SET is not set or empty");
}

BOOST_AUTO_TEST_CASE(env_secrets_leave_the_environment_and_survive_a_reload)
{
    // Setup
    ::setenv("TOKEND_TEST_API_SECRET", "s3cret-from-env", 1);

    // Exercise: the first read (start-up), then a reload's read of the same key.
    std::string first = read_ok(source(secret_source::kind::env, "TOKEND_TEST_API_SECRET"));
    const char* left = std::getenv("TOKEND_TEST_API_SECRET");
    std::string again = read_ok(source(secret_source::kind::env, "TOKEND_TEST_API_SECRET"));

    // Check: copied into locked memory, gone from the environment, the same value on reload.
    BOOST_TEST(first == "s3cret-from-env");
    BOOST_TEST(left == nullptr);
    BOOST_TEST(again == "s3cret-from-env");
}

BOOST_AUTO_TEST_CASE(file_reads_the_first_line_of_a_private_file)
{
    secret_scratch s;
    BOOST_TEST(read_ok(source(secret_source::kind::file, s.file("pw", "p@ss word\r\nignored\n", 0600))) == "p@ss word");
    BOOST_TEST(read_ok(source(secret_source::kind::file, s.file("ro", "x", 0400))) == "x");
}

BOOST_AUTO_TEST_CASE(a_file_named_by_many_profiles_is_read_once_per_load)
{
    secret_scratch s;
    std::string path = s.file("shared", "first\n", 0600);
    secret_file_cache files;
    auto one = files.read(source(secret_source::kind::file, path));
    std::ofstream(path) << "second\n"; // changed mid-load: every profile still sees one content
    auto two = files.read(source(secret_source::kind::file, path));
    BOOST_TEST_REQUIRE((one && *one && two && *two));
    BOOST_TEST((*one)->view() == "first");
    BOOST_TEST((*two)->view() == "first");
    BOOST_TEST(read_ok(source(secret_source::kind::file, path)) == "second"); // the next load reads anew
    auto loose = secret_file_cache().read(source(secret_source::kind::file, s.file("loose", "x", 0644)));
    BOOST_TEST(!loose.has_value()); // a refused file is refused through the cache too
}

BOOST_AUTO_TEST_CASE(file_misuses_are_refused_with_the_fix)
{
    secret_scratch s;
    std::string loose = read_error(source(secret_source::kind::file, s.file("loose", "hunter2", 0644)));
    BOOST_TEST(loose.find("readable by you alone (mode 0644); chmod 600") != std::string::npos, loose);
    BOOST_TEST(loose.find("hunter2") == std::string::npos);
    std::string group = read_error(source(secret_source::kind::file, s.file("group", "x", 0640)));
    BOOST_TEST(group.find("mode 0640") != std::string::npos);
    std::string missing = read_error(source(secret_source::kind::file, (s.dir / "nope").string()));
    BOOST_TEST(missing.find("cannot open") != std::string::npos);
    BOOST_TEST(missing.find("No such file") != std::string::npos);
    std::string empty = read_error(source(secret_source::kind::file, s.file("empty", "\n", 0600)));
    BOOST_TEST(empty.find("is empty") != std::string::npos);
    std::string dir = read_error(source(secret_source::kind::file, s.dir.string()));
    BOOST_TEST(dir.find("not a regular file") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_fifo_is_refused_without_hanging)
{
    secret_scratch s;
    std::string fifo = (s.dir / "fifo").string();
    BOOST_TEST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    std::string e = read_error(source(secret_source::kind::file, fifo));
    BOOST_TEST(e.find("not a regular file") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(unreadable_file_is_refused)
{
    if (::geteuid() == 0)
        return; // root reads anything; the mode check above still applies
    secret_scratch s;
    std::string e = read_error(source(secret_source::kind::file, s.file("noread", "x", 0000)));
    BOOST_TEST(e.find("Permission denied") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(credential_comes_from_credentials_directory)
{
    secret_scratch s;
    s.file("kb-pass", "from-systemd\n", 0440); // systemd's own mode; not our business to judge
    ::setenv("CREDENTIALS_DIRECTORY", s.dir.c_str(), 1);
    BOOST_TEST(read_ok(source(secret_source::kind::credential, "kb-pass")) == "from-systemd");
    std::string missing = read_error(source(secret_source::kind::credential, "other"));
    BOOST_TEST(missing.find("cannot open") != std::string::npos);
    ::unsetenv("CREDENTIALS_DIRECTORY");
    std::string unset = read_error(source(secret_source::kind::credential, "kb-pass"));
    BOOST_TEST(unset.find("$CREDENTIALS_DIRECTORY is not set") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(inline_and_none)
{
    secret_source s = source(secret_source::kind::inline_value, "");
    s.inline_value = std::make_shared<const secret>(secret::copy_of("inline-pw"));
    BOOST_TEST(read_ok(s) == "inline-pw");
    auto none = read_secret(source(secret_source::kind::none, ""));
    BOOST_TEST_REQUIRE(none.has_value());
    BOOST_TEST(!none->has_value());
    auto deferred = read_secret(source(secret_source::kind::command, "echo x"));
    BOOST_TEST_REQUIRE(deferred.has_value());
    BOOST_TEST(!deferred->has_value()); // commands run at login time, not at load
}

BOOST_AUTO_TEST_CASE(command_output_is_read_not_interpreted)
{
    // The output is data: shell metacharacters in it are never evaluated.
    auto r = run_command("printf '%s\\n' '$(touch /tmp/tokend-pwned); `id`' second", 5s);
    BOOST_TEST_REQUIRE(r.has_value(), (r ? "" : r.error().message()));
    BOOST_TEST(r->view() == "$(touch /tmp/tokend-pwned); `id`");
    BOOST_TEST(!fs::exists("/tmp/tokend-pwned"));
}

BOOST_AUTO_TEST_CASE(command_failures_are_clear_and_carry_no_output)
{
    auto failed = run_command("echo leaked-secret; exit 3", 5s);
    BOOST_TEST_REQUIRE(!failed.has_value());
    BOOST_TEST((failed.error().code == agent_errc::command));
    BOOST_TEST(failed.error().message() == "t.toml:3: profile.p.password_command: command exited with status 3");

    auto empty = run_command("true", 5s);
    BOOST_TEST_REQUIRE(!empty.has_value());
    BOOST_TEST((empty.error().code == agent_errc::command));
    BOOST_TEST(empty.error().message() == "t.toml:3: profile.p.password_command: command printed nothing");

    auto killed = run_command("kill -9 $$", 5s);
    BOOST_TEST_REQUIRE(!killed.has_value());
    BOOST_TEST((killed.error().code == agent_errc::command));
    BOOST_TEST(killed.error().message() == std::string("t.toml:3: profile.p.password_command: command was killed by signal ") + ::strsignal(SIGKILL));
}

BOOST_AUTO_TEST_CASE(commands_inherit_no_descriptors_of_the_agent)
{
    // Setup: a descriptor without close-on-exec, like an accepted client socket.
    int fd = ::open("/dev/null", O_RDONLY);
    BOOST_TEST_REQUIRE(fd > 2);

    // Exercise
    auto r = run_command("test -e /proc/self/fd/" + std::to_string(fd) + " && echo leaked || echo clean", 5s);
    ::close(fd);

    // Check
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->view() == "clean");
}

BOOST_AUTO_TEST_CASE(hanging_command_is_killed_at_the_timeout)
{
    // Setup: a command whose child keeps stdout open, so only the timeout ends it.
    auto start = std::chrono::steady_clock::now();

    // Exercise
    auto r = run_command("sleep 30 & sleep 30", 300ms);

    // Check
    auto took = std::chrono::steady_clock::now() - start;
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error().code == agent_errc::timeout), r.error().message());
    BOOST_TEST((took < 5s));
}

BOOST_AUTO_TEST_SUITE_END()
