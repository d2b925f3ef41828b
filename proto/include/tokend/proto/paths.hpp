// SPDX-License-Identifier: MIT
// Where the agent's socket lives, and the rule its directory must meet, shared by tokend
// and both clients so all three look in the same place and trust the same things
// (docs/client.md, "Finding the agent"; docs/security.md, "Another local user on a shared
// host").
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace tokend::proto {

// The socket search order: `given` (--socket, libtok's socket_path), else $TOKEND_SOCK when
// set and not empty, else `configured` ([agent] socket: tokend only, clients never read the
// config), else default_socket_path().
std::string socket_path(std::optional<std::string_view> given, std::optional<std::string_view> configured);

// $XDG_RUNTIME_DIR/tokend/socket when XDG_RUNTIME_DIR is an absolute path, else
// /run/user/$UID/tokend/socket when /run/user/$UID is a real directory (not a symbolic link)
// owned by us (systemd's %t, which cron jobs and ssh sessions without pam_systemd are not
// told about), else /tmp/tokend-$UID/socket.
std::string default_socket_path();

// The directory a socket path lives in: "." for a bare name, "/" for a name in the root.
std::string socket_directory(const std::string& socket_path);

// What is wrong with a directory, described by its lstat, as the home of `uid`'s socket:
// a symbolic link, not a directory, owned by another uid, or any permission for group or
// others. The text follows the directory's name ("/tmp/tokend-1000 is owned by uid 65534, not
// by uid 1000"); nullopt when the directory is fine.
std::optional<std::string> private_directory_problem(const struct stat& st, uid_t uid);

// Connects a new non-blocking, close-on-exec Unix stream socket to `path` and returns it, or
// -errno. A listener whose queue is full answers EAGAIN, and there is nothing to poll for
// (a blocking connect would wait forever): retried every `pause` until `give_up`, then
// -EAGAIN. A path that does not fit sockaddr_un is -ENAMETOOLONG.
int connect_unix(const std::string& path, std::chrono::steady_clock::time_point give_up,
                 std::chrono::milliseconds pause);

} // namespace tokend::proto
