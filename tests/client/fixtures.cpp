// SPDX-License-Identifier: MIT
#include "fixtures.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace tok::test {
namespace {

// Binds a Unix socket at dir/name; listens when `listen_too`.
int bound_socket(const std::string& path, bool listen_too)
{
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    if (listen_too)
        BOOST_REQUIRE(::listen(fd, 16) == 0);
    return fd;
}

} // namespace

std::string static_config(const temp_dir& dir, const std::string& extra)
{
    std::string token = dir.write("static.token", std::string(static_token) + "\n", 0600);
    return "[profile.s]\nprovider = \"static\"\ntoken_file = \"" + token + "\"\n\n"
           "[profile.nopass]\nprovider = \"aviate\"\nurl = \"http://127.0.0.1:9\"\nemail = \"a@example.com\"\n\n"
           "[profile.down]\nprovider = \"aviate\"\nurl = \"http://127.0.0.1:9\"\nemail = \"a@example.com\"\n"
           "password = \"pw\"\n\n"
           + extra;
}

std::string stale_socket(const temp_dir& dir)
{
    std::string path = (dir.path() / "stale.sock").string();
    ::close(bound_socket(path, false));
    return path;
}

silent_listener::silent_listener(const temp_dir& dir)
    : path_((dir.path() / "silent.sock").string())
{
    fd_ = bound_socket(path_, true);
}

silent_listener::~silent_listener()
{
    ::close(fd_);
}

} // namespace tok::test
