// SPDX-License-Identifier: MIT
#include "command.hpp"

#include "secret_source.hpp"

#include <tokend/proto/json_text.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/this_coro.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace tokend::agent {
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using result_t = boost::system::result<secret, std::string>;

namespace {

constexpr std::size_t max_output = 64 * 1024;

// Spawns `sh -c command` in its own process group with stdout on `out_fd`.
pid_t spawn_shell(const std::string& command, int out_fd, int& error)
{
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
    // Client connections and upstream sockets are not the command's business.
    posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE); // the agent ignores SIGPIPE; the command should not
    sigaddset(&defaults, SIGHUP);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char sh[] = "/bin/sh", dash_c[] = "-c";
    std::string cmd = command;
    char* argv[] = {sh, dash_c, cmd.data(), nullptr};
    pid_t pid = -1;
    error = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    return error ? -1 : pid;
}

// Reads straight into `out`, reserved once so that no copy of the secret is left behind in a
// freed buffer; the caller wipes `out`.
awaitable<void> read_all(asio::posix::stream_descriptor& pipe, std::string& out)
{
    out.reserve(max_output);
    while (out.size() < max_output) {
        std::size_t used = out.size();
        out.resize(std::min(max_output, used + 4096));
        auto [ec, n] = co_await pipe.async_read_some(asio::buffer(out.data() + used, out.size() - used), nothrow_awaitable);
        out.resize(used + n);
        if (ec)
            break;
    }
}

// Waits until the child exits (its pidfd turns readable) or the deadline passes.
awaitable<bool> wait_exit(asio::posix::stream_descriptor& pidfd, asio::steady_timer& deadline)
{
    auto r = co_await (pidfd.async_wait(asio::posix::descriptor_base::wait_read, nothrow_awaitable)
                       || deadline.async_wait(nothrow_awaitable));
    co_return r.index() == 0;
}

std::string describe_status(int status)
{
    if (WIFEXITED(status))
        return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return std::string("was killed by signal ") + strsignal(WTERMSIG(status));
    return "ended abnormally";
}

} // namespace

awaitable<result_t> run_secret_command(std::string command, duration timeout, std::string where)
{
    auto ex = co_await asio::this_coro::executor;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        co_return where + ": cannot create a pipe: " + std::strerror(errno);
    int spawn_error = 0;
    pid_t pid = spawn_shell(command, fds[1], spawn_error);
    ::close(fds[1]);
    asio::posix::stream_descriptor out(ex, fds[0]);
    if (pid < 0)
        co_return where + ": cannot run /bin/sh: " + std::strerror(spawn_error);
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    asio::posix::stream_descriptor exit_watch(ex);
    if (pidfd >= 0)
        exit_watch.assign(pidfd);

    asio::steady_timer deadline(ex, std::chrono::steady_clock::now() + timeout);
    std::string output;
    auto done = co_await (read_all(out, output) || deadline.async_wait(nothrow_awaitable));
    bool exited = done.index() == 0 && pidfd >= 0 && co_await wait_exit(exit_watch, deadline);
    if (!exited) {
        ::kill(-pid, SIGKILL); // the whole group: sh may have forked the real command
        asio::steady_timer grace(ex, std::chrono::seconds(2));
        if (pidfd >= 0)
            co_await wait_exit(exit_watch, grace);
    }
    int status = 0;
    pid_t reaped = ::waitpid(pid, &status, WNOHANG);
    std::string_view line = first_line(output);
    result_t result = where + ": internal error";
    if (!exited)
        result = where + ": command timed out after " + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + " s";
    else if (reaped != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        result = where + ": command " + (reaped == pid ? describe_status(status) : "could not be waited for");
    else if (line.empty())
        result = where + ": command printed nothing";
    else
        result = secret::copy_of(line);
    proto::secure_wipe(output);
    co_return result;
}

} // namespace tokend::agent
