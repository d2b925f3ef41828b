// SPDX-License-Identifier: MIT
#include "fake_listener.hpp"

#include "process.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tokend::test {
namespace {

// The listener's side, in the forked child: reports "ready\n" or "error STEP ERRNO\n" on
// `out`, then one "BYTES\n" per connection. Never returns.
[[noreturn]] void fail_step(int out, const char* step)
{
    std::string line = std::string("error ") + step + " " + std::strerror(errno) + "\n";
    [[maybe_unused]] auto n = ::write(out, line.data(), line.size());
    ::_exit(1);
}

bool become(uid_t uid)
{
    return ::setgroups(0, nullptr) == 0 && ::setresgid(uid, uid, uid) == 0 && ::setresuid(uid, uid, uid) == 0;
}

// Reads what one client sends until it closes or stays silent for 2 s; answers its lines in
// turn with `answers` while there are any.
std::size_t serve_one(int conn, const std::vector<std::string>& answers)
{
    std::size_t total = 0, answered = 0;
    std::string pending;
    char buf[4096];
    for (;;) {
        pollfd p{conn, POLLIN, 0};
        if (::poll(&p, 1, 2000) <= 0)
            break;
        ssize_t n = ::read(conn, buf, sizeof buf);
        if (n <= 0)
            break;
        total += static_cast<std::size_t>(n);
        if (answered < answers.size())
            pending.append(buf, static_cast<std::size_t>(n));
        for (auto nl = pending.find('\n'); nl != std::string::npos && answered < answers.size();
             nl = pending.find('\n')) {
            std::string line = answers[answered++] + "\n";
            [[maybe_unused]] auto w = ::send(conn, line.data(), line.size(), MSG_NOSIGNAL);
            pending.erase(0, nl + 1);
        }
    }
    return total;
}

[[noreturn]] void run_listener(int out, const std::string& path, const fake_listener_options& o)
{
    if (o.mount_namespace_of > 0) {
        int ns = ::open(("/proc/" + std::to_string(o.mount_namespace_of) + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC);
        if (ns < 0 || ::setns(ns, CLONE_NEWNS) != 0)
            fail_step(out, "setns");
    }
    if (o.bind_as && !become(*o.bind_as))
        fail_step(out, "setresuid");
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        fail_step(out, "bind");
    if (o.listen_as && !become(*o.listen_as))
        fail_step(out, "setresuid");
    if (::listen(fd, o.accept ? 16 : 0) != 0)
        fail_step(out, "listen");
    std::vector<std::string> answers = o.answers;
    if (answers.empty() && !o.answer.empty())
        answers.push_back(o.answer);
    [[maybe_unused]] auto n = ::write(out, "ready\n", 6);
    if (!o.accept)
        for (;;)
            ::pause();
    for (;;) {
        int conn = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (conn < 0)
            continue;
        std::string line = std::to_string(serve_one(conn, answers)) + "\n";
        ::close(conn);
        [[maybe_unused]] auto w = ::write(out, line.data(), line.size());
    }
}

} // namespace

fake_listener::fake_listener(std::string path, fake_listener_options options)
{
    int pipefd[2];
    BOOST_REQUIRE(::pipe2(pipefd, O_CLOEXEC) == 0);
    pid_ = ::fork();
    BOOST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
        ::close(pipefd[0]);
        run_listener(pipefd[1], path, options);
    }
    ::close(pipefd[1]);
    report_fd_ = pipefd[0];
    std::string first;
    char c = 0;
    pollfd p{report_fd_, POLLIN, 0};
    while (::poll(&p, 1, 5000) > 0 && ::read(report_fd_, &c, 1) == 1 && c != '\n')
        first += c;
    BOOST_REQUIRE_MESSAGE(first == "ready", "the fake listener on " << path << " did not start: " << first);
    ::fcntl(report_fd_, F_SETFL, O_NONBLOCK);
}

fake_listener::~fake_listener()
{
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    ::close(report_fd_);
}

void fake_listener::collect()
{
    char buf[512];
    ssize_t n;
    while ((n = ::read(report_fd_, buf, sizeof buf)) > 0)
        pending_.append(buf, static_cast<std::size_t>(n));
    for (auto nl = pending_.find('\n'); nl != std::string::npos; nl = pending_.find('\n')) {
        bytes_ += std::stoul(pending_.substr(0, nl));
        ++connections_;
        pending_.erase(0, nl + 1);
    }
}

int fake_listener::connections()
{
    collect();
    return connections_;
}

std::size_t fake_listener::bytes_received()
{
    collect();
    return bytes_;
}

bool fake_listener::wait_connections(int n, std::chrono::milliseconds timeout)
{
    return wait_for([&] { return connections() >= n; }, timeout);
}

void probe(fake_listener& l, const std::string& socket, int expected)
{
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
    BOOST_REQUIRE_MESSAGE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, socket);
    BOOST_REQUIRE(::send(fd, probe_line.data(), probe_line.size(), MSG_NOSIGNAL)
                  == static_cast<ssize_t>(probe_line.size()));
    ::close(fd);
    BOOST_REQUIRE(l.wait_connections(expected, std::chrono::seconds(10)));
}

} // namespace tokend::test
