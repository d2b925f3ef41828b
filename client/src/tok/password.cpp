// SPDX-License-Identifier: MIT
// After OpenBSD's readpassphrase: the terminal, not stdin; echo off; signals restore the mode.
#include "password.hpp"

#include "output.hpp"

#include <tokend/proto/wipe.hpp>

#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace tok::cli {
namespace {

volatile sig_atomic_t caught_signal = 0;

extern "C" void on_signal(int sig)
{
    caught_signal = sig;
}

constexpr std::array<int, 4> watched = {SIGINT, SIGTERM, SIGQUIT, SIGTSTP};

// Reads bytes up to '\n' or EOF. The buffer is a fixed array so no reallocation leaves a
// copy of the password behind.
std::string read_line(int fd, std::string& out)
{
    std::array<char, max_password_bytes + 2> buf;
    std::size_t n = 0;
    bool newline = false;
    while (n < buf.size()) {
        ssize_t r = ::read(fd, &buf[n], 1);
        if (r < 0 && errno == EINTR && !caught_signal)
            continue;
        if (r < 0) {
            tokend::proto::secure_wipe(buf.data(), n);
            return caught_signal ? "interrupted" : std::string("reading the password: ") + std::strerror(errno);
        }
        if (r == 0 || buf[n] == '\n') {
            newline = r != 0;
            break;
        }
        ++n;
    }
    std::string error;
    if (!newline && n == buf.size())
        error = "the password is longer than " + std::to_string(max_password_bytes) + " bytes";
    if (n > 0 && buf[n - 1] == '\r')
        --n;
    if (error.empty())
        out.assign(buf.data(), n);
    tokend::proto::secure_wipe(buf.data(), buf.size());
    return error;
}

} // namespace

std::string read_password_line(int fd, std::string& out)
{
    return read_line(fd, out);
}

std::string read_password_from_tty(const std::string& prompt, std::string& out)
{
    int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (tty < 0)
        return "no terminal to read the password from; pipe it in with --stdin";
    termios saved{};
    bool restore = ::tcgetattr(tty, &saved) == 0;

    std::array<struct sigaction, watched.size()> old{};
    struct sigaction sa {};
    sa.sa_handler = on_signal; // no SA_RESTART: read() must return so the mode gets restored
    sigemptyset(&sa.sa_mask);
    for (std::size_t i = 0; i < watched.size(); ++i)
        ::sigaction(watched[i], &sa, &old[i]);

    if (restore) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL);
        ::tcsetattr(tty, TCSAFLUSH, &quiet);
    }
    write_all(tty, prompt);
    std::string error = read_line(tty, out);
    write_all(tty, "\n"); // the user's Enter was not echoed

    if (restore)
        ::tcsetattr(tty, TCSAFLUSH, &saved);
    for (std::size_t i = 0; i < watched.size(); ++i)
        ::sigaction(watched[i], &old[i], nullptr);
    ::close(tty);
    if (caught_signal) {
        tokend::proto::secure_wipe(out);
        ::raise(caught_signal); // now with the old disposition
    }
    return error;
}

} // namespace tok::cli
