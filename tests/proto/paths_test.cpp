// SPDX-License-Identifier: MIT
// The socket search order and the directory rule shared by tokend, tok and libtok
// (docs/client.md, "Finding the agent"; docs/security.md, "Another local user on a shared host").
// The /run/user/$UID step needs a private mount namespace: see integration socket_trust.
#include <tokend/proto/paths.hpp>

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

using namespace tokend::proto;

BOOST_AUTO_TEST_SUITE(paths)

// Helpers live inside the suite's namespace, so a unity build can merge test files.
namespace {

// Sets (or with nullopt unsets) an environment variable for one scope.
class scoped_env {
public:
    scoped_env(const char* name, std::optional<std::string> value) : name_(name)
    {
        if (const char* old = std::getenv(name))
            old_ = old;
        if (value)
            ::setenv(name, value->c_str(), 1);
        else
            ::unsetenv(name);
    }
    ~scoped_env()
    {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }
    scoped_env(const scoped_env&) = delete;
    scoped_env& operator=(const scoped_env&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

struct stat dir_stat(mode_t mode, uid_t owner)
{
    struct stat st {};
    st.st_mode = mode;
    st.st_uid = owner;
    return st;
}

} // namespace

BOOST_AUTO_TEST_CASE(option_then_environment_then_config_then_runtime_dir)
{
    scoped_env sock("TOKEND_SOCK", "/env/socket");
    scoped_env runtime("XDG_RUNTIME_DIR", "/xdg");

    BOOST_TEST(socket_path("/given/socket", "/configured/socket") == "/given/socket");
    BOOST_TEST(socket_path(std::nullopt, "/configured/socket") == "/env/socket");
    {
        scoped_env unset("TOKEND_SOCK", "");
        BOOST_TEST(socket_path(std::nullopt, "/configured/socket") == "/configured/socket");
        BOOST_TEST(socket_path(std::nullopt, std::nullopt) == "/xdg/tokend/socket");
    }
}

BOOST_AUTO_TEST_CASE(without_a_usable_runtime_dir_the_default_is_per_uid)
{
    // A relative XDG_RUNTIME_DIR is ignored, as the XDG spec says it must be.
    scoped_env runtime("XDG_RUNTIME_DIR", "relative/dir");
    const std::string uid = std::to_string(::geteuid());
    std::string path = default_socket_path();

    struct stat st {};
    const std::string run_user = "/run/user/" + uid;
    bool ours = ::lstat(run_user.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid();
    BOOST_TEST(path == (ours ? run_user + "/tokend/socket" : "/tmp/tokend-" + uid + "/socket"));
}

BOOST_AUTO_TEST_CASE(the_directory_of_a_socket_path)
{
    BOOST_TEST(socket_directory("/run/user/1000/tokend/socket") == "/run/user/1000/tokend");
    BOOST_TEST(socket_directory("/socket") == "/");
    BOOST_TEST(socket_directory("socket") == ".");
}

BOOST_AUTO_TEST_CASE(only_a_real_directory_of_ours_that_lets_nobody_else_in_is_fine)
{
    BOOST_TEST(!private_directory_problem(dir_stat(S_IFDIR | 0700, 1000), 1000));
    BOOST_TEST(*private_directory_problem(dir_stat(S_IFLNK | 0777, 1000), 1000) == "is a symbolic link");
    BOOST_TEST(*private_directory_problem(dir_stat(S_IFREG | 0700, 1000), 1000) == "is not a directory");
    BOOST_TEST(*private_directory_problem(dir_stat(S_IFDIR | 0700, 65534), 1000)
               == "is owned by uid 65534, not by uid 1000");
    BOOST_TEST(*private_directory_problem(dir_stat(S_IFDIR | 0700, 0), 1000) == "is owned by uid 0, not by uid 1000");
    for (mode_t mode : {0701, 0710, 0711, 0750, 0755, 0770, 0777, 01777})
        BOOST_TEST_CONTEXT(mode)
        {
            auto problem = private_directory_problem(dir_stat(S_IFDIR | mode, 1000), 1000);
            BOOST_TEST_REQUIRE(problem.has_value());
            BOOST_TEST(problem->find("which lets group or others in (want 0700)") != std::string::npos, *problem);
        }
}

BOOST_AUTO_TEST_SUITE_END()
