// SPDX-License-Identifier: MIT
#include "memory_scan.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tokend::test {
// Named, not anonymous: a unity build merges this file with the test files.
namespace scan_detail {

struct mapping {
    std::uint64_t start = 0, end = 0;
    std::string perms, name;
    bool locked = false;
};

// /proc/PID/smaps: a header line per mapping ("start-end perms offset dev inode [path]"),
// then "Key: value" lines, the last of them "VmFlags: rd wr ... lo ..." (lo: mlock'd).
std::vector<mapping> mappings_of(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/smaps");
    std::vector<mapping> out;
    for (std::string line; std::getline(in, line);) {
        std::uint64_t start = 0, end = 0;
        char perms[8] = {};
        int name_at = 0;
        if (std::sscanf(line.c_str(), "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s %n", &start, &end, perms, &name_at) >= 3
            && name_at > 0) {
            std::string name = line.substr(static_cast<std::size_t>(name_at));
            name.erase(0, name.find_first_not_of(' '));
            out.push_back({start, end, perms, name.empty() ? "anonymous" : name, false});
        } else if (line.starts_with("VmFlags:") && !out.empty()) {
            std::istringstream flags(line.substr(8));
            for (std::string f; flags >> f;)
                out.back().locked = out.back().locked || f == "lo";
        }
    }
    return out;
}

// Pages the kernel serves no data for: reading them fails or means nothing.
bool unreadable_by_design(const mapping& m)
{
    return m.perms.empty() || m.perms[0] != 'r' || m.name == "[vvar]" || m.name == "[vvar_vclock]"
           || m.name == "[vsyscall]";
}

std::string short_name(const std::string& name)
{
    if (name.starts_with('['))
        return name;
    auto slash = name.rfind('/');
    return slash == std::string::npos ? name : name.substr(slash + 1);
}

class scanner {
public:
    scanner(int fd, const std::vector<scan_needle>& needles, memory_scan& result)
        : fd_(fd), needles_(needles), result_(result)
    {
        for (const auto& n : needles)
            longest_ = std::max(longest_, n.bytes.size());
    }

    // Reads the mapping in chunks that overlap by one needle, so a copy across a chunk
    // boundary is still seen, and counts each copy once.
    void scan(const mapping& m)
    {
        constexpr std::uint64_t chunk = 1 << 20;
        std::vector<char> buf(chunk + longest_);
        for (std::uint64_t at = m.start; at < m.end; at += chunk) {
            std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), m.end - at));
            ssize_t got = ::pread(fd_, buf.data(), want, static_cast<off_t>(at));
            if (got <= 0) {
                result_.unreadable.push_back(short_name(m.name) + ": " + (got < 0 ? std::strerror(errno) : "no data"));
                return;
            }
            std::string_view data(buf.data(), static_cast<std::size_t>(got));
            std::uint64_t counted = std::min<std::uint64_t>(chunk, static_cast<std::uint64_t>(got));
            (m.locked ? result_.locked_bytes : result_.bytes_read) += counted;
            if (!m.locked && m.name == "[heap]")
                result_.heap_bytes += counted;
            for (const auto& n : needles_)
                find_all(m, at, data, counted, n);
        }
    }

private:
    void find_all(const mapping& m, std::uint64_t at, std::string_view data, std::uint64_t counted,
                  const scan_needle& n)
    {
        if (n.bytes.empty())
            return;
        for (auto pos = data.find(n.bytes); pos != std::string_view::npos && pos < counted;
             pos = data.find(n.bytes, pos + 1)) {
            if (m.locked)
                ++result_.locked_hits[n.label];
            else
                result_.outside.push_back({n.label, short_name(m.name), at + pos - m.start});
        }
    }

    int fd_;
    const std::vector<scan_needle>& needles_;
    memory_scan& result_;
    std::size_t longest_ = 0;
};

} // namespace scan_detail

memory_scan scan_memory(pid_t pid, const std::vector<scan_needle>& needles)
{
    using namespace scan_detail;
    memory_scan result;
    std::vector<mapping> maps = mappings_of(pid);
    if (maps.empty()) {
        result.error = "cannot read /proc/" + std::to_string(pid) + "/smaps";
        return result;
    }
    int fd = ::open(("/proc/" + std::to_string(pid) + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        result.error = "cannot open /proc/" + std::to_string(pid) + "/mem: " + std::strerror(errno);
        return result;
    }
    scanner s(fd, needles, result);
    for (const mapping& m : maps)
        if (!unreadable_by_design(m))
            s.scan(m);
    ::close(fd);
    return result;
}

std::string memory_scan::summary() const
{
    std::map<std::string, std::map<std::string, int>> by_label;
    for (const hit& h : outside)
        ++by_label[h.label][h.mapping];
    std::ostringstream out;
    out << outside.size() << " copies outside locked memory (" << bytes_read / 1024 << " KiB read, "
        << heap_bytes / 1024 << " KiB of [heap]; " << locked_bytes / 1024 << " KiB locked)";
    for (const auto& [label, where] : by_label) {
        out << "\n  " << label << ":";
        for (const auto& [mapping, count] : where)
            out << " " << count << " in " << mapping;
    }
    for (const hit& h : outside)
        out << "\n  at " << h.mapping << "+0x" << std::hex << h.offset << std::dec << ": " << h.label;
    int locked = 0;
    for (const auto& [label, count] : locked_hits)
        locked += count;
    out << "\n  " << locked << " copies in locked memory";
    for (const std::string& u : unreadable)
        out << "\n  unreadable: " << u;
    return out.str();
}

} // namespace tokend::test
