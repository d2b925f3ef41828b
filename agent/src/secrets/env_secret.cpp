// SPDX-License-Identifier: MIT
#include "secrets/env_secret.hpp"

#include <tokend/proto/wipe.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <utility>
#include <vector>

extern char** environ;

namespace tokend::agent {
namespace {

// Single io_context thread: no lock (docs/architecture.md).
struct env_vault {
    std::map<std::string, secret, std::less<>> values;
    std::set<std::string, std::less<>> names;
};

env_vault& vault()
{
    static env_vault v;
    return v;
}

// [start, end) of the environment block the kernel wrote at exec, which /proc/PID/environ
// shows whatever happens to `environ` later: fields 50 and 51 of /proc/self/stat (Linux 3.5+).
std::pair<std::uintptr_t, std::uintptr_t> read_initial_environment_block()
{
    int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return {0, 0};
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    if (n <= 0)
        return {0, 0};
    std::string_view text(buf, static_cast<std::size_t>(n));
    auto paren = text.rfind(')'); // the command name in field 2 may hold spaces and parentheses
    if (paren == std::string_view::npos || paren + 2 > text.size())
        return {0, 0};
    text.remove_prefix(paren + 2);
    std::uintptr_t bounds[2] = {0, 0};
    for (int field = 3; field <= 51 && !text.empty(); ++field) {
        auto space = text.find(' ');
        std::string_view value = text.substr(0, space);
        if (field >= 50)
            std::from_chars(value.data(), value.data() + value.size(), bounds[field - 50]);
        text.remove_prefix(space == std::string_view::npos ? text.size() : space + 1);
    }
    if (bounds[0] == 0 || bounds[1] <= bounds[0])
        return {0, 0};
    return {bounds[0], bounds[1]};
}

// unsetenv only drops the pointer; the bytes in the initial block stay readable through
// /proc/PID/environ (by root, as tokend is not dumpable) until they are overwritten. Strings
// that setenv allocated are left alone: glibc still indexes them.
void remove_from_environment(const std::string& name)
{
    static const auto block = read_initial_environment_block();
    std::vector<char*> entries;
    for (char** e = environ; e && *e; ++e)
        if (std::strncmp(*e, name.c_str(), name.size()) == 0 && (*e)[name.size()] == '=')
            entries.push_back(*e);
    ::unsetenv(name.c_str());
    for (char* entry : entries) {
        std::size_t length = std::strlen(entry);
        auto at = reinterpret_cast<std::uintptr_t>(entry);
        if (at >= block.first && at + length <= block.second)
            proto::secure_wipe(entry, length);
    }
}

} // namespace

std::optional<secret> capture_env_secret(const std::string& name)
{
    env_vault& v = vault();
    v.names.insert(name);
    if (auto it = v.values.find(name); it != v.values.end())
        return it->second.clone();
    const char* value = std::getenv(name.c_str());
    if (!value || !*value)
        return std::nullopt;
    auto kept = v.values.emplace(name, secret::copy_of(value)).first;
    remove_from_environment(name);
    return kept->second.clone();
}

bool is_env_secret_name(std::string_view name)
{
    return vault().names.contains(name);
}

} // namespace tokend::agent
