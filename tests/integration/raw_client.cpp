// SPDX-License-Identifier: MIT
#include "raw_client.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tokend::test {
// Named, not anonymous: a unity build merges this file with tests that say
// `using namespace tokend::test`, and their own helpers must not meet these.
namespace raw_detail {

using steady = std::chrono::steady_clock;

int connect_unix(const std::string& path)
{
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        int e = errno;
        if (fd >= 0)
            ::close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int remaining_ms(steady::time_point until)
{
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - steady::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
}

// Only async-signal-safe calls from here on: the child of a fork in a test process.
long monotonic_ms()
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1'000'000L;
}

bool become(uid_t uid, gid_t gid)
{
    return ::setgroups(0, nullptr) == 0 && ::setresgid(gid, gid, gid) == 0 && ::setresuid(uid, uid, uid) == 0;
}

void write_all(int fd, const void* p, std::size_t n)
{
    auto* c = static_cast<const char*>(p);
    while (n > 0) {
        ssize_t w = ::write(fd, c, n);
        if (w <= 0)
            return;
        c += w;
        n -= static_cast<std::size_t>(w);
    }
}

// Child side of exchange_as: writes the connect errno, then every byte received, to `out`.
[[noreturn]] void foreign_client(int out, uid_t uid, gid_t gid, const char* path, const std::string& line,
                                 long timeout_ms)
{
    int err = become(uid, gid) ? 0 : EPERM;
    int fd = -1;
    if (err == 0) {
        fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        for (std::size_t i = 0; path[i] && i + 1 < sizeof addr.sun_path; ++i)
            addr.sun_path[i] = path[i];
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
            err = errno;
    }
    write_all(out, &err, sizeof err);
    if (err != 0)
        ::_exit(2);
    [[maybe_unused]] auto n = ::send(fd, line.data(), line.size(), MSG_NOSIGNAL);
    long until = monotonic_ms() + timeout_ms;
    char buf[4096];
    for (;;) {
        long left = until - monotonic_ms();
        pollfd p{fd, POLLIN, 0};
        if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0)
            ::_exit(1); // the agent kept the connection open
        ssize_t r = ::read(fd, buf, sizeof buf);
        if (r <= 0)
            ::_exit(0); // EOF or ECONNRESET: the agent closed it
        write_all(out, buf, static_cast<std::size_t>(r));
    }
}

[[noreturn]] void foreign_open(int out, uid_t uid, gid_t gid, const char* path)
{
    int err = 0;
    if (!become(uid, gid))
        err = EPERM;
    else if (int fd = ::open(path, O_RDONLY | O_CLOEXEC); fd < 0)
        err = errno;
    write_all(out, &err, sizeof err);
    ::_exit(0);
}

std::string read_all(int fd)
{
    std::string got;
    char buf[4096];
    for (;;) {
        ssize_t r = ::read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return got;
        got.append(buf, static_cast<std::size_t>(r));
    }
}

int wait_child(pid_t pid)
{
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

} // namespace raw_detail

raw_conn::raw_conn(const std::string& socket_path) : fd_(raw_detail::connect_unix(socket_path)) {}

raw_conn::~raw_conn()
{
    if (fd_ >= 0)
        ::close(fd_);
}

raw_conn::raw_conn(raw_conn&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), eof_(other.eof_), pending_(std::move(other.pending_))
{
}

bool raw_conn::send(std::string_view bytes)
{
    while (!bytes.empty()) {
        ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

std::size_t raw_conn::send_nonblocking(std::string_view bytes)
{
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        sent += static_cast<std::size_t>(n);
    }
    return sent;
}

std::string raw_conn::read_line(std::chrono::milliseconds timeout)
{
    auto until = std::chrono::steady_clock::now() + timeout;
    char buf[65536];
    for (;;) {
        if (auto nl = pending_.find('\n'); nl != std::string::npos) {
            std::string line = pending_.substr(0, nl);
            pending_.erase(0, nl + 1);
            return line;
        }
        pollfd p{fd_, POLLIN, 0};
        if (eof_ || ::poll(&p, 1, raw_detail::remaining_ms(until)) <= 0)
            return {};
        ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n <= 0) {
            eof_ = true;
            return {};
        }
        pending_.append(buf, static_cast<std::size_t>(n));
    }
}

bool raw_conn::wait_closed(std::chrono::milliseconds timeout, std::string* got)
{
    auto until = std::chrono::steady_clock::now() + timeout;
    if (got)
        *got += std::exchange(pending_, {});
    char buf[65536];
    while (!eof_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, raw_detail::remaining_ms(until)) <= 0)
            return false;
        ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n <= 0)
            eof_ = true; // EOF, or ECONNRESET when it closed with our bytes unread
        else if (got)
            got->append(buf, static_cast<std::size_t>(n));
    }
    return true;
}

foreign_exchange exchange_as(uid_t uid, gid_t gid, const std::string& socket_path, const std::string& request,
                             std::chrono::milliseconds timeout)
{
    int pipefd[2];
    BOOST_REQUIRE(::pipe2(pipefd, O_CLOEXEC) == 0);
    std::string line = request + "\n";
    pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(pipefd[0]);
        raw_detail::foreign_client(pipefd[1], uid, gid, socket_path.c_str(), line, timeout.count());
    }
    ::close(pipefd[1]);
    std::string got = raw_detail::read_all(pipefd[0]);
    ::close(pipefd[0]);
    int status = raw_detail::wait_child(pid);
    foreign_exchange r;
    r.pid = pid;
    BOOST_REQUIRE(got.size() >= sizeof(int));
    std::memcpy(&r.connect_errno, got.data(), sizeof(int));
    r.received = got.substr(sizeof(int));
    r.closed_by_agent = status == 0;
    return r;
}

int open_errno_as(uid_t uid, gid_t gid, const std::string& path)
{
    int pipefd[2];
    BOOST_REQUIRE(::pipe2(pipefd, O_CLOEXEC) == 0);
    pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(pipefd[0]);
        raw_detail::foreign_open(pipefd[1], uid, gid, path.c_str());
    }
    ::close(pipefd[1]);
    std::string got = raw_detail::read_all(pipefd[0]);
    ::close(pipefd[0]);
    raw_detail::wait_child(pid);
    BOOST_REQUIRE(got.size() == sizeof(int));
    int err = 0;
    std::memcpy(&err, got.data(), sizeof err);
    return err;
}

long proc_status_kb(pid_t pid, const std::string& field)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.starts_with(field + ":")) {
            std::istringstream v(line.substr(field.size() + 1));
            long kb = -1;
            v >> kb;
            return kb;
        }
    return -1;
}

} // namespace tokend::test
