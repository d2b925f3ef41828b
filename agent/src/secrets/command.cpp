// SPDX-License-Identifier: MIT
#include "secrets/command.hpp"

#include "secrets/env_secret.hpp"
#include "secrets/secret_source.hpp"

#include <tokend/proto/wipe.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/this_coro.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

extern char** environ;

namespace tokend::agent {
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using result_t = boost::system::result<secret, agent_error>;
using steady = std::chrono::steady_clock;

namespace {

constexpr std::size_t max_output = 64 * 1024;
constexpr auto kill_grace = std::chrono::seconds(2);     // for a timed-out command, waited on asynchronously
constexpr auto reap_patience = std::chrono::milliseconds(100); // for a cut-short one, on the event loop

// The process groups of the commands running now, and killed shells not yet reaped (one in
// uninterruptible sleep outlives a SIGKILL for a while). One io_context thread: no lock.
std::vector<pid_t>& running_groups()
{
    static std::vector<pid_t> groups;
    return groups;
}

std::vector<pid_t>& unreaped()
{
    static std::vector<pid_t> pids;
    return pids;
}

void reap_leftovers()
{
    std::erase_if(unreaped(), [](pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) != 0; });
}

// One command's shell and its process group: killed and reaped on every way out of
// run_secret_command, including an exception from a cancelled co_await and the destruction
// of a suspended coroutine with its io_context.
class command_child {
public:
    command_child(pid_t pid, int pidfd) : pid_(pid), pidfd_(pidfd) { running_groups().push_back(pid_); }
    command_child(const command_child&) = delete;
    command_child& operator=(const command_child&) = delete;
    ~command_child()
    {
        if (!reaped_) {
            kill_group();
            reap_soon();
        }
        std::erase(running_groups(), pid_);
    }

    void kill_group() const noexcept { ::kill(-pid_, SIGKILL); } // sh may have forked the real command

    // Without blocking: true, with the status, once the shell has been reaped.
    bool try_reap(int& status) noexcept
    {
        if (!reaped_ && ::waitpid(pid_, &status, WNOHANG) == pid_)
            reaped_ = true;
        return reaped_;
    }

private:
    // A killed shell is gone within moments; one that is not after reap_patience is left to
    // the next run's sweep rather than stall the event loop.
    void reap_soon() noexcept
    {
        auto give_up = steady::now() + reap_patience;
        for (;;) {
            if (::waitpid(pid_, nullptr, WNOHANG) != 0)
                return; // reaped, or not our child any more
            if (steady::now() >= give_up)
                break;
            if (pidfd_ >= 0) {
                pollfd exit{pidfd_, POLLIN, 0};
                ::poll(&exit, 1, 10);
            } else {
                ::usleep(1000);
            }
        }
        unreaped().push_back(pid_);
    }

    pid_t pid_;
    int pidfd_; // owned by the caller's stream_descriptor, which outlives this object
    bool reaped_ = false;
};

// tokend's environment minus what a helper has no business seeing (docs/credentials.md).
// Pointers into `environ`: nothing is copied.
std::vector<char*> command_environment()
{
    std::vector<char*> env;
    for (char** e = environ; e && *e; ++e) {
        std::string_view entry(*e);
        if (!withheld_from_commands(entry.substr(0, entry.find('='))))
            env.push_back(*e);
    }
    env.push_back(nullptr);
    return env;
}

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
    std::vector<char*> env = command_environment();
    pid_t pid = -1;
    error = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, env.data());
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

struct wipe_on_exit {
    std::string& text;
    ~wipe_on_exit() { proto::secure_wipe(text); }
};

} // namespace

bool withheld_from_commands(std::string_view name)
{
    return name == "NOTIFY_SOCKET" || name.starts_with("LISTEN_") || name.starts_with("WATCHDOG_")
           || name == "TOKEND_SOCK" || is_env_secret_name(name);
}

void kill_running_commands() noexcept
{
    for (pid_t group : running_groups())
        ::kill(-group, SIGKILL);
}

awaitable<result_t> run_secret_command(std::string command, duration timeout, std::string where)
{
    auto ex = co_await asio::this_coro::executor;
    reap_leftovers();
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        co_return agent_error{agent_errc::command, where + ": cannot create a pipe: " + std::strerror(errno)};
    int spawn_error = 0;
    pid_t pid = spawn_shell(command, fds[1], spawn_error);
    ::close(fds[1]);
    asio::posix::stream_descriptor out(ex, fds[0]);
    if (pid < 0)
        co_return agent_error{agent_errc::command, where + ": cannot run /bin/sh: " + std::strerror(spawn_error)};
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    asio::posix::stream_descriptor exit_watch(ex);
    if (pidfd >= 0)
        exit_watch.assign(pidfd);
    command_child child(pid, pidfd); // from here on, every way out kills and reaps
    std::string output;
    wipe_on_exit wipe{output};

    asio::steady_timer deadline(ex, steady::now() + timeout);
    auto done = co_await (read_all(out, output) || deadline.async_wait(nothrow_awaitable));
    bool exited = done.index() == 0 && pidfd >= 0 && co_await wait_exit(exit_watch, deadline);
    if (!exited) {
        child.kill_group();
        asio::steady_timer grace(ex, kill_grace);
        if (pidfd >= 0)
            co_await wait_exit(exit_watch, grace);
    }
    int status = 0;
    bool reaped = child.try_reap(status);
    std::string_view line = first_line(output);
    if (!exited)
        co_return agent_error{agent_errc::timeout, where + ": command timed out after "
                                                       + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + " s"};
    if (!reaped || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        co_return agent_error{agent_errc::command, where + ": command " + (reaped ? describe_status(status) : "could not be waited for")};
    if (line.empty())
        co_return agent_error{agent_errc::command, where + ": command printed nothing"};
    co_return result_t(secret::copy_of(line));
}

} // namespace tokend::agent
