// SPDX-License-Identifier: MIT
#include "secrets/secret_source.hpp"

#include "config/config.hpp"
#include "secrets/env_secret.hpp"

#include <tokend/proto/wipe.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace tokend::agent {
namespace {

constexpr std::size_t max_secret_file = 64 * 1024;

using read_result = boost::system::result<std::optional<secret>, agent_error>;

agent_error unreadable(std::string detail)
{
    return {agent_errc::secret, std::move(detail)};
}

read_result from_text(std::string& text, const secret_source& s, std::string_view what)
{
    std::string_view line = first_line(text);
    if (line.empty()) {
        proto::secure_wipe(text);
        return unreadable(s.where + ": " + std::string(what) + " is empty");
    }
    secret value = secret::copy_of(line);
    proto::secure_wipe(text);
    return std::optional<secret>(std::move(value));
}

// Like sshkey_perm_ok: a secret file others can read is refused, not silently used.
read_result read_file(const secret_source& s, const std::string& path, bool check_mode)
{
    // O_NONBLOCK: a FIFO planted at the path must not hang start-up; it is refused below.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return unreadable(s.where + ": cannot open " + path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return unreadable(s.where + ": " + path + " is not a regular file");
    }
    if (check_mode && (st.st_uid != ::geteuid() || (st.st_mode & 077))) {
        ::close(fd);
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return unreadable(s.where + ": " + path + " must be owned by you and readable by you alone (mode " + mode
                          + "); chmod 600 " + path);
    }
    // Sized by the file, not the limit: zeroing and wiping 64 KiB per secret made start-up with
    // thousands of profiles slow. One byte more than the size shows a file that grew meanwhile.
    std::size_t want = std::min<std::size_t>(static_cast<std::size_t>(st.st_size) + 1, max_secret_file);
    std::string text(want, '\0');
    ssize_t n = ::read(fd, text.data(), text.size());
    int err = errno;
    ::close(fd);
    if (n < 0) {
        proto::secure_wipe(text);
        return unreadable(s.where + ": cannot read " + path + ": " + std::strerror(err));
    }
    text.resize(static_cast<std::size_t>(n));
    return from_text(text, s, path);
}

} // namespace

std::string_view first_line(std::string_view text)
{
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (line.ends_with('\r'))
        line.remove_suffix(1);
    return line;
}

std::optional<secret>& profile_secrets::slot(const secret_source& s, const profile_config& p)
{
    if (&s == &p.api_secret) return api_secret;
    if (&s == &p.client_secret) return client_secret;
    if (&s == &p.token) return token;
    return password;
}

profile_secrets profile_secrets::clone() const
{
    auto copy = [](const std::optional<secret>& s) { return s ? std::optional<secret>(s->clone()) : std::nullopt; };
    return {copy(password), copy(api_secret), copy(client_secret), copy(token)};
}

read_result read_secret(const secret_source& s)
{
    using kind = secret_source::kind;
    switch (s.how) {
    case kind::none:
    case kind::command:
        return std::optional<secret>();
    case kind::inline_value:
        return std::optional<secret>(s.inline_value->clone());
    case kind::env: {
        // Captured once, then gone from the environment: a reload gets the same value.
        std::optional<secret> v = capture_env_secret(s.reference);
        if (!v)
            return unreadable(s.where + ": environment variable " + s.reference + " is not set or empty");
        std::string_view line = first_line(v->view());
        if (line.empty())
            return unreadable(s.where + ": $" + s.reference + " is empty");
        return std::optional<secret>(secret::copy_of(line));
    }
    case kind::file:
        return read_file(s, s.reference, true);
    case kind::credential: {
        // systemd's LoadCredential= puts the file in a directory only this service can read.
        const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
        if (!dir || !*dir)
            return unreadable(s.where + ": $CREDENTIALS_DIRECTORY is not set (it comes from systemd's LoadCredential=)");
        return read_file(s, std::string(dir) + "/" + s.reference, false);
    }
    }
    return std::optional<secret>();
}

read_result secret_file_cache::read(const secret_source& s)
{
    if (s.how != secret_source::kind::file)
        return read_secret(s);
    if (auto it = files_.find(s.reference); it != files_.end())
        return std::optional<secret>(it->second.clone());
    auto v = read_secret(s);
    if (v && *v)
        files_.emplace(s.reference, (*v)->clone());
    return v;
}

boost::system::result<profile_secrets, agent_error> read_profile_secrets(const profile_config& p,
                                                                        secret_file_cache& files)
{
    profile_secrets out;
    for (const secret_source* s : {&p.password, &p.api_secret, &p.client_secret, &p.token}) {
        auto v = files.read(*s);
        if (!v)
            return v.error();
        out.slot(*s, p) = std::move(*v);
    }
    return out;
}

} // namespace tokend::agent
