// SPDX-License-Identifier: MIT
// A process that listens on a Unix socket path in tokend's place: a squatter of another uid,
// a listener that never lets anyone in, a fake agent with a canned answer. It records every
// connection and the bytes received on it, so that a test can assert that a client sent
// nothing at all (docs/security.md, "Another local user on a shared host").
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace tokend::test {

struct fake_listener_options {
    std::optional<uid_t> bind_as;   // become this uid (and gid) before binding: a squatter
    std::optional<uid_t> listen_as; // become this uid after binding, before listen(): the
                                    // kernel records the listener's credentials at listen()
    pid_t mount_namespace_of = 0;   // join this process's mount namespace first (root only)
    bool accept = true;             // false: never accept, with a backlog of 0
    std::string answer;             // sent (with '\n') to each connection's first line
    std::vector<std::string> answers; // when set, instead: the Nth line of a connection gets the Nth

    // Chained setters: fake_listener_options().bound_by(65534).answering(line).
    fake_listener_options& bound_by(uid_t uid) { bind_as = uid; return *this; }
    fake_listener_options& listening_as(uid_t uid) { listen_as = uid; return *this; }
    fake_listener_options& in_mount_namespace_of(pid_t pid) { mount_namespace_of = pid; return *this; }
    fake_listener_options& never_accepting() { accept = false; return *this; }
    fake_listener_options& answering(std::string line) { answer = std::move(line); return *this; }
    fake_listener_options& answering_in_turn(std::vector<std::string> lines) { answers = std::move(lines); return *this; }
};

// Forks the listener; waits until it listens. The destructor kills it and unlinks nothing.
class fake_listener {
public:
    fake_listener(std::string path, fake_listener_options options);
    ~fake_listener();
    fake_listener(const fake_listener&) = delete;
    fake_listener& operator=(const fake_listener&) = delete;

    pid_t pid() const { return pid_; }
    // Connections accepted and finished (closed by the client, or silent for 2 s) so far.
    int connections();
    // Bytes received over all finished connections.
    std::size_t bytes_received();
    // Waits until at least `n` connections have finished.
    bool wait_connections(int n, std::chrono::milliseconds timeout);

private:
    void collect();

    pid_t pid_ = -1;
    int report_fd_ = -1; // the listener writes one "bytes\n" per finished connection
    std::string pending_;
    int connections_ = 0;
    std::size_t bytes_ = 0;
};

// What probe() sends.
inline constexpr std::string_view probe_line = "probe\n";

// Connects to `socket` and sends probe_line, then waits until `l` has finished `expected`
// connections, ours last (it serves them in order). Everything it received before is then
// bytes_received() - probe_line.size(): a test that expects nothing sent can count it.
void probe(fake_listener& l, const std::string& socket, int expected);

} // namespace tokend::test
