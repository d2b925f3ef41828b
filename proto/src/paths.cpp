// SPDX-License-Identifier: MIT
#include <tokend/proto/paths.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace tokend::proto {

std::string socket_path(std::optional<std::string_view> given, std::optional<std::string_view> configured)
{
    if (given)
        return std::string(*given);
    if (const char* env = std::getenv("TOKEND_SOCK"); env && *env)
        return env;
    if (configured)
        return std::string(*configured);
    return default_socket_path();
}

std::string default_socket_path()
{
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    if (runtime && *runtime == '/')
        return std::string(runtime) + "/tokend/socket";
    const uid_t uid = ::geteuid();
    // lstat: a symbolic link planted at /run/user/$UID must not lead us elsewhere.
    const std::string run_user = "/run/user/" + std::to_string(uid);
    struct stat st {};
    if (::lstat(run_user.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == uid)
        return run_user + "/tokend/socket";
    return "/tmp/tokend-" + std::to_string(uid) + "/socket";
}

std::string socket_directory(const std::string& socket_path)
{
    auto slash = socket_path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : socket_path.substr(0, slash);
}

std::optional<std::string> private_directory_problem(const struct stat& st, uid_t uid)
{
    if (S_ISLNK(st.st_mode))
        return std::string("is a symbolic link");
    if (!S_ISDIR(st.st_mode))
        return std::string("is not a directory");
    if (st.st_uid != uid)
        return "is owned by uid " + std::to_string(st.st_uid) + ", not by uid " + std::to_string(uid);
    if (st.st_mode & 077) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return std::string("has mode ") + mode + ", which lets group or others in (want 0700)";
    }
    return std::nullopt;
}

int connect_unix(const std::string& path, std::chrono::steady_clock::time_point give_up,
                 std::chrono::milliseconds pause)
{
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path)
        return -ENAMETOOLONG;
    std::memcpy(addr.sun_path, path.data(), path.size());
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    while (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        int e = errno;
        if (e == EINTR)
            continue;
        if (e == EAGAIN && std::chrono::steady_clock::now() < give_up) {
            std::this_thread::sleep_for(pause);
            continue;
        }
        ::close(fd);
        return -e;
    }
    return fd;
}

} // namespace tokend::proto
