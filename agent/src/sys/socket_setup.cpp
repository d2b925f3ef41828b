// SPDX-License-Identifier: MIT
#include "sys/socket_setup.hpp"

#include <tokend/proto/paths.hpp>

#include <systemd/sd-daemon.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace tokend::agent {
namespace {

using fd_result = boost::system::result<int, std::string>;
using socket_result = boost::system::result<listening_socket, std::string>;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

// How long start-up waits on a process already listening on our path: to be let in (its queue
// may be full) and then for its answer to hello. Past either, it is alive but not an agent we
// can talk to, and its socket is left alone.
constexpr auto probe_limit = 1s;

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

// lstat, not stat: a symbolic link in place of the directory would let whoever can re-point
// it choose where the next agent listens (docs/security.md).
std::optional<std::string> check_directory(const std::string& dir)
{
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) {
        if (errno != ENOENT)
            return dir + ": " + errno_text();
        scoped_umask mask(077);
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
            return "cannot create " + dir + ": " + errno_text();
        if (::lstat(dir.c_str(), &st) != 0)
            return dir + ": " + errno_text();
    }
    if (auto problem = proto::private_directory_problem(st, ::geteuid()))
        return dir + " " + *problem + "; refusing to put the socket there";
    return std::nullopt;
}

// PATH.lock, created beside the socket and flocked. Its holder unlinks it when it stops, while
// still holding it; whoever locked a file that is no longer the one at PATH.lock tries again.
boost::system::result<listening_socket, std::string> lock_path(const std::string& path)
{
    const std::string lock = path + ".lock";
    for (int attempt = 0; attempt < 5; ++attempt) {
        int fd = -1;
        {
            scoped_umask mask(077);
            fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        }
        if (fd < 0)
            return "cannot open " + lock + ": " + errno_text();
        struct stat held {}, named {};
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            bool departed = ::fstat(fd, &held) == 0 && held.st_nlink == 0; // its holder is stopping
            ::close(fd);
            if (e == EWOULDBLOCK && departed)
                continue;
            if (e == EWOULDBLOCK)
                return "another agent is already listening on " + path + " or starting there (it holds " + lock + ")";
            return "cannot lock " + lock + ": " + std::strerror(e);
        }
        if (::fstat(fd, &held) == 0 && ::lstat(lock.c_str(), &named) == 0 && held.st_dev == named.st_dev
            && held.st_ino == named.st_ino) {
            listening_socket s;
            s.path = path;
            s.lock_fd = fd;
            s.lock_dev = held.st_dev;
            s.lock_ino = held.st_ino;
            return s;
        }
        ::close(fd);
    }
    return "cannot lock " + lock + ": it keeps being replaced";
}

sockaddr_un address_of(const std::string& path)
{
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

// Reads the first line a peer sends, for at most probe_limit; empty when it sends none.
std::string first_line(int fd)
{
    std::string got;
    auto give_up = steady::now() + probe_limit;
    while (got.find('\n') == std::string::npos && got.size() < 4096) {
        auto left = std::chrono::ceil<std::chrono::milliseconds>(give_up - steady::now()).count();
        pollfd p{fd, POLLIN, 0};
        if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0)
            break;
        char buf[512];
        ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            break;
        got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
}

// Who is behind an existing socket file: nullopt for nobody (a stale file), else why we must
// leave it alone. Every wait is bounded, so a wedged listener cannot hang our start-up.
std::optional<std::string> occupant(const std::string& path)
{
    int fd = proto::connect_unix(path, steady::now() + probe_limit, 10ms);
    if (fd == -ECONNREFUSED || fd == -ENOENT)
        return std::nullopt;
    if (fd == -EAGAIN)
        return "a process listens on " + path + " but lets nobody in (its queue stayed full for 1s); "
               "refusing to replace its socket";
    if (fd < 0)
        return "cannot tell whether something listens on " + path + ": " + std::strerror(-fd);
    constexpr std::string_view hello = "{\"op\":\"hello\"}\n";
    [[maybe_unused]] auto sent = ::send(fd, hello.data(), hello.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    std::string answer = first_line(fd);
    ::close(fd);
    if (answer.find("\"agent\":\"tokend\"") != std::string::npos)
        return "another agent is already listening on " + path;
    return "a process listens on " + path + " but did not answer as tokend within 1s; refusing to replace its socket";
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

void unlink_if_ours(const std::string& path, dev_t dev, ino_t ino)
{
    struct stat now {};
    if (ino != 0 && ::lstat(path.c_str(), &now) == 0 && now.st_dev == dev && now.st_ino == ino)
        ::unlink(path.c_str());
}

} // namespace

fd_result listen_unix_at(const std::string& path)
{
    sockaddr_un addr = address_of(path);
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

namespace {

// systemd hands descriptors over without FD_CLOEXEC; a *_command child must not inherit a
// listening socket (it could accept our clients).
bool set_cloexec(int fd)
{
    int flags = ::fcntl(fd, F_GETFD);
    return flags >= 0 && ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == 0;
}

// The sockets systemd passed us: the agent's (any name but "http"; fd -1 when we were not
// socket-activated) and the proxy's (FileDescriptorName=http).
socket_result activated_sockets()
{
    char** names = nullptr;
    int n = sd_listen_fds_with_names(1, &names); // 1: unset LISTEN_* so children do not inherit them
    if (n < 0)
        return std::string("socket activation: ") + std::strerror(-n);
    listening_socket s;
    std::string error;
    for (int i = 0; i < n; ++i) {
        int fd = SD_LISTEN_FDS_START + i;
        bool http = names && names[i] && std::string_view(names[i]) == "http";
        if (!set_cloexec(fd))
            error = "socket activation: fcntl: " + errno_text();
        else if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0)
            error = "socket activation: descriptor " + std::to_string(fd) + " is not a listening stream socket";
        else if (http)
            s.http_fds.push_back(fd);
        else if (s.fd >= 0)
            error = "socket activation passed two agent sockets; expected one (and any number named http)";
        else if (sd_is_socket_unix(fd, SOCK_STREAM, 1, nullptr, 0) <= 0)
            error = "socket activation: the agent's descriptor is not a listening Unix stream socket";
        else
            s.fd = fd;
    }
    for (int i = 0; names && i < n; ++i)
        std::free(names[i]);
    std::free(names);
    if (!error.empty())
        return error;
    if (s.fd < 0 && !s.http_fds.empty())
        return std::string("socket activation passed only http sockets; the agent's socket (tokend.socket) is missing");
    return s;
}

// Creates, binds and listens on `path`. The parent directory is created 0700 when missing; an
// existing one is examined with lstat and refused unless it is a real directory of ours that
// grants nothing to group or others. Takes PATH.lock first. A stale socket file is replaced;
// one on which any process listens (answering or not) is not.
socket_result bind_socket(const std::string& path)
{
    if (auto problem = socket_path_problem(path))
        return *problem;
    if (auto problem = check_directory(proto::socket_directory(path)))
        return *problem;
    auto s = lock_path(path);
    if (!s)
        return s;
    // From here on we hold the lock: an error must release it, or a retry would find it held.
    auto fail = [&](std::string why) {
        unlink_if_ours(path + ".lock", s->lock_dev, s->lock_ino);
        ::close(s->lock_fd);
        return socket_result(std::move(why));
    };
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return fail(path + " exists and is not a socket; refusing to replace it");
        if (auto live = occupant(path))
            return fail(*live);
        ::unlink(path.c_str()); // stale: its agent is gone
    }
    auto fd = listen_unix_at(path);
    if (!fd)
        return fail(fd.error());
    s->fd = *fd;
    if (::lstat(path.c_str(), &st) == 0) {
        s->dev = st.st_dev;
        s->ino = st.st_ino;
    }
    return s;
}

} // namespace

std::string choose_socket_path(const std::optional<std::string>& option, const std::optional<std::string>& configured)
{
    return proto::socket_path(option ? std::optional<std::string_view>(*option) : std::nullopt,
                              configured ? std::optional<std::string_view>(*configured) : std::nullopt);
}

std::optional<std::string> socket_path_problem(const std::string& path)
{
    if (path.empty() || path.size() >= sizeof(sockaddr_un{}.sun_path))
        return "socket path " + path + " is empty or longer than " + std::to_string(sizeof(sockaddr_un{}.sun_path) - 1)
               + " bytes";
    return std::nullopt;
}

socket_result open_listening_socket(const std::optional<std::string>& option,
                                    const std::optional<std::string>& configured)
{
    auto activated = activated_sockets();
    if (!activated)
        return activated.error();
    if (activated->fd >= 0) {
        activated->activated = true;
        activated->path = bound_path(activated->fd);
        return activated;
    }
    return bind_socket(choose_socket_path(option, configured));
}

void remove_socket_file(const listening_socket& s)
{
    if (s.activated)
        return;
    unlink_if_ours(s.path, s.dev, s.ino);
    // The lock stays held (its descriptor closes at exit); unlinking it lets a newer agent
    // take the path while we finish answering.
    unlink_if_ours(s.path + ".lock", s.lock_dev, s.lock_ino);
}

} // namespace tokend::agent
