// SPDX-License-Identifier: MIT
// fork+exec rather than posix_spawn: clearing close-on-exec for exactly the handed-over fds
// and reporting a failed exec through a pipe are simplest in the child itself.
#include "child.hpp"

#include "output.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace tok::cli {

int make_memfd(const char* name)
{
    return ::memfd_create(name, MFD_CLOEXEC);
}

bool read_memfd(int fd, std::string& out)
{
    out.clear();
    char buf[8192];
    for (off_t at = 0;;) {
        ssize_t n = ::pread(fd, buf, sizeof buf, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        if (n == 0)
            return true;
        out.append(buf, static_cast<std::size_t>(n));
        at += n;
    }
}

bool copy_memfd(int from, int to)
{
    char buf[65536];
    for (off_t at = 0;;) {
        ssize_t n = ::pread(from, buf, sizeof buf, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n == 0;
        if (!write_all(to, std::string_view(buf, static_cast<std::size_t>(n))))
            return false;
        at += n;
    }
}

namespace {

// In the child, between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(char* const* argv, std::span<const int> inherit, int stdout_fd, int report_fd)
{
    for (int fd : inherit)
        ::fcntl(fd, F_SETFD, 0);
    if (stdout_fd >= 0)
        ::dup2(stdout_fd, STDOUT_FILENO);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGQUIT, SIG_DFL);
    ::execvp(argv[0], argv);
    int e = errno;
    (void)!::write(report_fd, &e, sizeof e);
    ::_exit(127);
}

} // namespace

child_result run_child(const std::vector<std::string>& args, std::span<const int> inherit, int stdout_fd)
{
    std::vector<char*> argv;
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);

    child_result r;
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) {
        r.spawn_errno = errno;
        return r;
    }
    struct sigaction ignore {}, old_int {}, old_quit {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGINT, &ignore, &old_int);
    ::sigaction(SIGQUIT, &ignore, &old_quit);

    pid_t pid = ::fork();
    if (pid == 0)
        exec_child(argv.data(), inherit, stdout_fd, report[1]);
    ::close(report[1]);
    if (pid < 0) {
        r.spawn_errno = errno;
    } else {
        // The pipe closes on a successful exec (close-on-exec) and carries errno otherwise.
        while (::read(report[0], &r.exec_errno, sizeof r.exec_errno) < 0 && errno == EINTR) {
        }
        while (::waitpid(pid, &r.wait_status, 0) < 0 && errno == EINTR) {
        }
    }
    ::close(report[0]);
    ::sigaction(SIGINT, &old_int, nullptr);
    ::sigaction(SIGQUIT, &old_quit, nullptr);
    return r;
}

int pass_on(int wait_status)
{
    if (WIFEXITED(wait_status))
        return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) {
        int sig = WTERMSIG(wait_status);
        ::signal(sig, SIG_DFL);
        ::raise(sig);
        return 128 + sig;
    }
    return 1;
}

} // namespace tok::cli
