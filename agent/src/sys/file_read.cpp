// SPDX-License-Identifier: MIT
#include "sys/file_read.hpp"

#include <tokend/proto/wipe.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

namespace tokend::agent {
namespace {

std::string what_kind(mode_t m)
{
    if (S_ISDIR(m)) return "a directory";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    return "of an unknown type";
}

std::string octal(mode_t m)
{
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(m & 07777));
    return text;
}

// Symlinks are followed on purpose: what is examined is the file actually read, and a link
// that others re-point can only lead to a file that passes these same checks.
std::optional<std::string> problem_with(const std::string& path, const struct stat& st, const file_rules& rules)
{
    if (!S_ISREG(st.st_mode))
        return "not a regular file (" + what_kind(st.st_mode) + ")";
    uid_t me = ::geteuid();
    if (st.st_uid != me && !(rules.root_may_own && st.st_uid == 0))
        return "owned by uid " + std::to_string(st.st_uid) + ", not by you (uid " + std::to_string(me) + ")"
               + (rules.root_may_own ? " or root" : "");
    if (mode_t bad = st.st_mode & rules.forbidden_bits) {
        bool writable = bad & 022;
        return std::string(writable ? "writable" : "readable") + " by group or others (mode " + octal(st.st_mode)
               + "); chmod " + (rules.forbidden_bits & 044 ? "go-rwx " : "go-w ") + path;
    }
    if (static_cast<std::size_t>(st.st_size) > rules.max_bytes)
        return rules.max_bytes % (1024 * 1024) == 0 ? "larger than " + std::to_string(rules.max_bytes >> 20) + " MiB"
                                                     : "larger than " + std::to_string(rules.max_bytes >> 10) + " KiB";
    return std::nullopt;
}

using checked_read = boost::system::result<checked_file, std::string>;

// checked_file could be made from a string too: say which one is meant.
checked_read refused(std::string problem) { return checked_read(boost::system::in_place_error, std::move(problem)); }

struct descriptor {
    int fd;
    ~descriptor() { if (fd >= 0) ::close(fd); }
};

} // namespace

checked_read read_checked_file(const std::string& path, const file_rules& rules)
{
    // O_NONBLOCK: opening a FIFO without a writer would otherwise wait for one; fstat below
    // refuses it before any read.
    descriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)};
    if (file.fd < 0)
        return refused("cannot open: " + std::string(std::strerror(errno)));
    struct stat st {};
    if (::fstat(file.fd, &st) != 0)
        return refused("cannot examine: " + std::string(std::strerror(errno)));
    if (auto problem = problem_with(path, st, rules))
        return refused(std::move(*problem));
    // One byte more than the size shows a file that grew between fstat and the read.
    std::string text(static_cast<std::size_t>(st.st_size) + 1, '\0');
    std::size_t got = 0;
    while (got < text.size()) {
        ssize_t n = ::read(file.fd, text.data() + got, text.size() - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int error = errno;
            proto::secure_wipe(text); // a config may hold inline secrets
            return refused("cannot read: " + std::string(std::strerror(error)));
        }
        if (n == 0)
            break;
        got += static_cast<std::size_t>(n);
    }
    if (got == text.size()) {
        proto::secure_wipe(text);
        return refused("changed while being read; try again");
    }
    text.resize(got);
    return checked_file{std::move(text), static_cast<unsigned>(st.st_mode & 07777)};
}

} // namespace tokend::agent
