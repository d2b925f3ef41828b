// SPDX-License-Identifier: MIT
// The agent's listening socket: adopted from systemd (LISTEN_FDS) or created by us in a
// private directory, mode 0600, never on top of a live agent (contract, "tokend").
#pragma once

#include <boost/system/result.hpp>

#include <sys/types.h>

#include <optional>
#include <string>

namespace tokend::agent {

// A listening Unix stream socket, non-blocking and close-on-exec (no *_command child
// inherits it).
struct listening_socket {
    int fd = -1;
    std::string path;        // for log lines; from getsockname when systemd passed it
    bool activated = false;  // systemd's: never bound, never unlinked by us
    dev_t dev = 0;           // the file we bound, so that we only ever unlink our own
    ino_t ino = 0;
};

// --socket, else $TOKEND_SOCK, else [agent] socket, else the default.
std::string choose_socket_path(const std::optional<std::string>& option, const std::optional<std::string>& configured);

// What is wrong with `path` as a socket path (too long, empty), or nullopt: --check's test.
std::optional<std::string> socket_path_problem(const std::string& path);

// The socket systemd passed (LISTEN_FDS, exactly one listening Unix stream socket), else
// one bound at choose_socket_path(). Errors are one line, ready to log.
boost::system::result<listening_socket, std::string> open_listening_socket(const std::optional<std::string>& option,
                                                                          const std::optional<std::string>& configured);

// Unlinks the socket file when we created it and it is still ours: a newer agent may have
// replaced it since we stopped listening.
void remove_socket_file(const listening_socket& s);

// Lower-level steps, for tests.
// The socket systemd passed us, or -1 when we were not socket-activated.
boost::system::result<int, std::string> activated_socket();
// Creates, binds and listens on `path`. The parent directory is created 0700 when missing and
// refused when another user owns it or others may write to it without the sticky bit. A stale
// socket file is replaced; a live agent's socket is not.
boost::system::result<int, std::string> bind_socket(const std::string& path);

} // namespace tokend::agent
