// SPDX-License-Identifier: MIT
// Byte-level clients for the security and hostile-client suites: connections that send what
// a well-behaved client never would (half lines, floods, nothing at all), and a one-shot
// exchange made by a forked child under another uid.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace tokend::test {

using namespace std::chrono_literals;

// One Unix stream connection; closed on destruction.
class raw_conn {
public:
    explicit raw_conn(const std::string& socket_path);
    ~raw_conn();
    raw_conn(raw_conn&& other) noexcept;
    raw_conn& operator=(raw_conn&&) = delete;
    raw_conn(const raw_conn&) = delete;

    bool connected() const { return fd_ >= 0; }
    int fd() const { return fd_; }
    // Blocking: sends all of `bytes`; false when the agent closed the connection.
    bool send(std::string_view bytes);
    // Sends what the socket takes without blocking; returns the number of bytes taken.
    std::size_t send_nonblocking(std::string_view bytes);
    // One answer line without its '\n'; empty on timeout or EOF (see closed()).
    std::string read_line(std::chrono::milliseconds timeout = 5s);
    // Waits up to `timeout` for the agent to close; appends whatever arrives first to `got`.
    bool wait_closed(std::chrono::milliseconds timeout, std::string* got = nullptr);
    bool closed() const { return eof_; }

private:
    int fd_ = -1;
    bool eof_ = false;
    std::string pending_; // bytes read past the last line handed out
};

// What a forked child running as `uid`/`gid` saw: it connected, sent `request` (with a
// newline) and read until the agent closed the connection or `timeout` passed.
struct foreign_exchange {
    pid_t pid = -1;          // the child's pid: what the agent's SO_PEERCRED saw
    int connect_errno = 0;   // 0 when connect() worked
    std::string received;    // every byte the agent sent
    bool closed_by_agent = false;
};
foreign_exchange exchange_as(uid_t uid, gid_t gid, const std::string& socket_path, const std::string& request,
                             std::chrono::milliseconds timeout = 5s);

// open(path, O_RDONLY) attempted by a forked child running as `uid`/`gid`: 0 or the errno.
int open_errno_as(uid_t uid, gid_t gid, const std::string& path);

// "VmRSS", "VmLck", ... from /proc/PID/status, in kB; -1 when absent.
long proc_status_kb(pid_t pid, const std::string& field);

} // namespace tokend::test
