// SPDX-License-Identifier: MIT
#include "socket_setup.hpp"

#include <tokend/proto/paths.hpp>

#include <systemd/sd-daemon.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace tokend::agent {
namespace {

using fd_result = boost::system::result<int, std::string>;

std::string errno_text() { return std::strerror(errno); }

// RAII for the process umask: sockets are created 0600 from the first instant.
class scoped_umask {
public:
    explicit scoped_umask(mode_t m) : old_(::umask(m)) {}
    ~scoped_umask() { ::umask(old_); }
    scoped_umask(const scoped_umask&) = delete;
    scoped_umask& operator=(const scoped_umask&) = delete;

private:
    mode_t old_;
};

std::optional<std::string> check_directory(const std::string& dir)
{
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
        if (errno != ENOENT)
            return dir + ": " + errno_text();
        scoped_umask mask(077);
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
            return "cannot create " + dir + ": " + errno_text();
        if (::stat(dir.c_str(), &st) != 0)
            return dir + ": " + errno_text();
    }
    if (!S_ISDIR(st.st_mode))
        return dir + " is not a directory";
    if (st.st_uid != ::geteuid() && st.st_uid != 0)
        return dir + " belongs to uid " + std::to_string(st.st_uid) + ", not to us; refusing to put the socket there";
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
        return dir + " is writable by others (and not sticky); refusing to put the socket there";
    return std::nullopt;
}

sockaddr_un address_of(const std::string& path)
{
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

// Connects to an existing socket file: a live agent answers, a stale file refuses.
bool someone_listens(const sockaddr_un& addr)
{
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool live = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return live;
}

// The path a passed socket is bound to, for log lines.
std::string bound_path(int fd)
{
    sockaddr_un addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 || len <= offsetof(sockaddr_un, sun_path)
        || addr.sun_path[0] == '\0')
        return "a socket from systemd";
    return std::string(addr.sun_path, strnlen(addr.sun_path, len - offsetof(sockaddr_un, sun_path)));
}

} // namespace

std::string choose_socket_path(const std::optional<std::string>& option, const std::optional<std::string>& configured)
{
    if (option)
        return *option;
    if (const char* env = std::getenv("TOKEND_SOCK"); env && *env)
        return env;
    if (configured)
        return *configured;
    return proto::default_socket_path();
}

fd_result activated_socket()
{
    int n = sd_listen_fds(1); // 1: unset LISTEN_* so children do not inherit them
    if (n < 0)
        return std::string("socket activation: ") + std::strerror(-n);
    if (n == 0)
        return -1;
    if (n > 1)
        return std::string("socket activation passed ") + std::to_string(n) + " sockets; expected one";
    int fd = SD_LISTEN_FDS_START;
    if (sd_is_socket_unix(fd, SOCK_STREAM, 1, nullptr, 0) <= 0)
        return std::string("socket activation: the passed descriptor is not a listening Unix stream socket");
    // systemd hands the descriptor over without FD_CLOEXEC; a *_command child must not
    // inherit the agent's listening socket (it could accept our clients).
    int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0 || ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) != 0)
        return "socket activation: fcntl: " + errno_text();
    return fd;
}

std::optional<std::string> socket_path_problem(const std::string& path)
{
    if (path.empty() || path.size() >= sizeof(sockaddr_un{}.sun_path))
        return "socket path " + path + " is empty or longer than " + std::to_string(sizeof(sockaddr_un{}.sun_path) - 1)
               + " bytes";
    return std::nullopt;
}

boost::system::result<listening_socket, std::string> open_listening_socket(const std::optional<std::string>& option,
                                                                          const std::optional<std::string>& configured)
{
    auto activated = activated_socket();
    if (!activated)
        return activated.error();
    listening_socket s;
    if (*activated >= 0) {
        s.fd = *activated;
        s.activated = true;
        s.path = bound_path(s.fd);
        return s;
    }
    s.path = choose_socket_path(option, configured);
    auto fd = bind_socket(s.path);
    if (!fd)
        return fd.error();
    s.fd = *fd;
    struct stat st {};
    if (::stat(s.path.c_str(), &st) == 0) {
        s.dev = st.st_dev;
        s.ino = st.st_ino;
    }
    return s;
}

void remove_socket_file(const listening_socket& s)
{
    struct stat now {};
    if (!s.activated && s.ino != 0 && ::lstat(s.path.c_str(), &now) == 0 && now.st_dev == s.dev && now.st_ino == s.ino)
        ::unlink(s.path.c_str());
}

fd_result bind_socket(const std::string& path)
{
    if (auto problem = socket_path_problem(path))
        return *problem;
    auto slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    if (auto problem = check_directory(dir))
        return *problem;

    sockaddr_un addr = address_of(path);
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return path + " exists and is not a socket; refusing to replace it";
        if (someone_listens(addr))
            return "another agent is already listening on " + path;
        ::unlink(path.c_str()); // stale: its agent is gone
    }
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return "socket: " + errno_text();
    {
        scoped_umask mask(0177);
        if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
            std::string e = "cannot bind " + path + ": " + errno_text();
            ::close(fd);
            return e;
        }
    }
    if (::listen(fd, SOMAXCONN) != 0) {
        std::string e = "listen on " + path + ": " + errno_text();
        ::close(fd);
        ::unlink(path.c_str());
        return e;
    }
    return fd;
}

} // namespace tokend::agent
