// SPDX-License-Identifier: MIT
#include "launch.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace tokend::bench {
namespace {

using steady = std::chrono::steady_clock;

[[noreturn]] void exec_child(const options& o)
{
    int null_in = ::open("/dev/null", O_RDONLY);
    int out = ::open(o.log.empty() ? "/dev/null" : o.log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (null_in < 0 || out < 0)
        ::_exit(127);
    ::dup2(null_in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    std::vector<char*> argv;
    for (const std::string& a : o.command)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
}

// True once the server answered the request with a complete line (or, git, anything).
bool answers(const options& o)
{
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, o.socket.c_str(), std::min(o.socket.size() + 1, sizeof a.sun_path - 1));
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok = false;
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0
        && ::send(fd, o.request.data(), o.request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(o.request.size())) {
        if (o.protocol == wire::git)
            ::shutdown(fd, SHUT_WR);
        char buf[4096];
        ssize_t n;
        while ((n = ::read(fd, buf, sizeof buf)) > 0)
            if (o.protocol == wire::line && buf[n - 1] == '\n') {
                ok = true;
                break;
            }
        ok = ok || (o.protocol == wire::git && n == 0);
    }
    if (fd >= 0)
        ::close(fd);
    return ok;
}

} // namespace

launched launch_and_wait(const options& o)
{
    auto t0 = steady::now();
    pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0)
        exec_child(o);
    for (;;) {
        if (answers(o))
            return {pid, std::chrono::duration<double, std::milli>(steady::now() - t0).count()};
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid)
            throw std::runtime_error(o.command[0] + " exited before answering (see " + (o.log.empty() ? "its log" : o.log) + ")");
        if (steady::now() - t0 > std::chrono::duration<double>(o.timeout_s)) {
            ::kill(pid, SIGTERM);
            throw std::runtime_error(o.command[0] + " did not answer in time");
        }
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
}

} // namespace tokend::bench
