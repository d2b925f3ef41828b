// SPDX-License-Identifier: MIT
// Plain POSIX sockets and poll(): libtok links into tiny programs, so no event loop.
#include "connection.hpp"

#include "error.hpp"

#include <tokend/proto/wipe.hpp>
#include <tokend/proto/paths.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tok::detail {
namespace {

std::error_code errno_code(int e)
{
    return {e, std::generic_category()};
}

// Milliseconds left until `by` for poll(), rounded up so we never spin at the end.
int millis_left(deadline by)
{
    auto left = std::chrono::ceil<std::chrono::milliseconds>(by - std::chrono::steady_clock::now()).count();
    if (left <= 0)
        return 0;
    return left > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(left);
}

// Waits until `fd` is ready for `events`; ETIMEDOUT when `by` passes first.
std::error_code wait_for(int fd, short events, deadline by)
{
    for (;;) {
        pollfd p{fd, events, 0};
        int n = ::poll(&p, 1, millis_left(by));
        if (n > 0)
            return {};
        if (n == 0)
            return errno_code(ETIMEDOUT);
        if (errno != EINTR)
            return errno_code(errno);
    }
}

// The directory check, before connecting: whoever owns the directory, or may write to it,
// decides which process answers at the path. ENOENT and the like stay errno values (no
// socket there); a directory we must not trust is permission_denied.
std::error_code check_directory(const std::string& path)
{
    const std::string dir = tokend::proto::socket_directory(path);
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0)
        return errno_code(errno);
    if (auto problem = tokend::proto::private_directory_problem(st, ::geteuid()))
        return fail(errc::permission_denied, dir + " " + *problem + "; refusing to send anything to " + path);
    return {};
}

// The peer check, after connecting and before the first byte: the kernel recorded the
// credentials of the process that called listen(), so a squatter's listener shows its own uid
// however the path was reached. This is what makes the directory check's race harmless.
std::error_code check_listener(int fd, const std::string& path)
{
    ucred peer{};
    socklen_t len = sizeof peer;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0)
        return fail(errc::permission_denied, "cannot tell who listens on " + path + " (SO_PEERCRED: "
                                                 + std::strerror(errno) + "); refusing to send anything to it");
    const uid_t us = ::geteuid();
    if (peer.uid != us && peer.uid != 0)
        return fail(errc::permission_denied, "the process listening on " + path + " (pid " + std::to_string(peer.pid)
                                                 + ") runs as uid " + std::to_string(peer.uid) + ", neither ours ("
                                                 + std::to_string(us) + ") nor root; refusing to send anything to it");
    return {};
}

} // namespace

connection::~connection()
{
    close();
}

void connection::close() noexcept
{
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
    tokend::proto::secure_wipe(buf_);
}

std::error_code connection::open(const std::string& path, deadline by)
{
    close();
    if (path.empty() || path.size() >= sizeof(sockaddr_un{}.sun_path))
        return errno_code(ENAMETOOLONG);
    if (auto ec = check_directory(path))
        return ec;
    int fd = tokend::proto::connect_unix(path, by, std::chrono::milliseconds(5));
    if (fd < 0)
        return errno_code(fd == -EAGAIN ? ETIMEDOUT : -fd);
    if (auto ec = check_listener(fd, path)) {
        ::close(fd);
        return ec;
    }
    fd_ = fd;
    return {};
}

bool connection::stale() const noexcept
{
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) != 0; // readable (EOF, or bytes nobody asked for), hung up, or error
}

std::error_code connection::send(std::string_view data, deadline by)
{
    while (!data.empty()) {
        // MSG_NOSIGNAL: a closed agent must be an EPIPE here, not a SIGPIPE in the host program.
        ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n >= 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return errno_code(errno);
        if (auto ec = wait_for(fd_, POLLOUT, by))
            return ec;
    }
    return {};
}

std::error_code connection::receive_line(std::string& line, deadline by)
{
    std::size_t scanned = 0;
    for (;;) {
        if (const void* nl = std::memchr(buf_.data() + scanned, '\n', buf_.size() - scanned)) {
            auto len = static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.data());
            line.assign(buf_.data(), len);
            // The answer may hold a token: wipe the consumed bytes before dropping them.
            tokend::proto::secure_wipe(buf_.data(), len + 1);
            buf_.erase(0, len + 1);
            return {};
        }
        scanned = buf_.size();
        if (scanned > max_answer_bytes)
            return errno_code(EMSGSIZE);
        if (auto ec = wait_for(fd_, POLLIN, by))
            return ec;
        char chunk[16384];
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n > 0) {
            if (buf_.capacity() < buf_.size() + static_cast<std::size_t>(n)) {
                std::string bigger;
                bigger.reserve(std::max(buf_.capacity() * 2, buf_.size() + static_cast<std::size_t>(n)));
                bigger = buf_;
                tokend::proto::secure_wipe(buf_);
                buf_.swap(bigger);
            }
            buf_.append(chunk, static_cast<std::size_t>(n));
            tokend::proto::secure_wipe(chunk, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0)
            return errno_code(buf_.empty() ? ECONNRESET : EPROTO);
        if (errno != EINTR && errno != EAGAIN)
            return errno_code(errno);
    }
}

} // namespace tok::detail
