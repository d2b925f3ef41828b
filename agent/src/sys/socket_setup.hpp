// SPDX-License-Identifier: MIT
// The agent's listening socket: adopted from systemd (LISTEN_FDS) or created by us in a
// private directory, mode 0600, never on top of a live agent (docs/security.md, "Another
// local user on a shared host").
#pragma once

#include <boost/system/result.hpp>

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace tokend::agent {

// A listening Unix stream socket, non-blocking and close-on-exec (no *_command child
// inherits it).
struct listening_socket {
    int fd = -1;
    std::string path;        // for log lines; from getsockname when systemd passed it
    bool activated = false;  // systemd's: never bound, never unlinked by us
    dev_t dev = 0;           // the file we bound, so that we only ever unlink our own
    ino_t ino = 0;
    // PATH.lock, flocked for the agent's life (closed only by exit): of two agents started
    // on one path at the same moment, exactly one gets to probe, unlink and bind.
    int lock_fd = -1;
    dev_t lock_dev = 0;
    ino_t lock_ino = 0;
    // Sockets systemd passed with FileDescriptorName=http: the proxy's (docs/proxy.md).
    std::vector<int> http_fds;
};

// --socket, else $TOKEND_SOCK, else [agent] socket, else the default (proto::socket_path).
std::string choose_socket_path(const std::optional<std::string>& option, const std::optional<std::string>& configured);

// What is wrong with `path` as a socket path (too long, empty), or nullopt: --check's test.
std::optional<std::string> socket_path_problem(const std::string& path);

// The socket systemd passed (LISTEN_FDS, exactly one listening Unix stream socket), else
// one bound at choose_socket_path(). Errors are one line, ready to log.
boost::system::result<listening_socket, std::string> open_listening_socket(const std::optional<std::string>& option,
                                                                          const std::optional<std::string>& configured);

// Binds and listens on the Unix socket `path` (mode 0600 from the first instant), whose
// directory is settled. Errors are one line, ready to log.
boost::system::result<int, std::string> listen_unix_at(const std::string& path);

// Unlinks the socket file and its lock file when we created them and they are still ours: a
// newer agent may have replaced them since we stopped listening. Idempotent.
void remove_socket_file(const listening_socket& s);

} // namespace tokend::agent
