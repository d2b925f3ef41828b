// SPDX-License-Identifier: MIT
#include "status_table.hpp"

#include <tokend/proto/duration.hpp>

#include <algorithm>
#include <array>

namespace tok::cli {
namespace {

constexpr const char* dash = "\xe2\x80\x94"; // U+2014 EM DASH

// Columns are aligned by what a terminal shows, not by bytes: "—" is 3 bytes, 1 column.
std::size_t display_width(const std::string& s)
{
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool holds_token(const std::string& state)
{
    return state == "valid" || state == "refreshing" || state == "failing";
}

} // namespace

std::string human_duration(std::chrono::system_clock::duration d)
{
    auto s = std::chrono::duration_cast<std::chrono::seconds>(d);
    if (s.count() < 0)
        s = -s;
    if (s.count() == 0)
        return "0s"; // format_duration would say "0ms": false precision for a table
    return tokend::proto::format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(s));
}

std::string expires_cell(const profile_status& p, sys_time now)
{
    if (!p.expires_at)
        return holds_token(p.state) ? "never" : dash;
    if (*p.expires_at > now)
        return "in " + human_duration(*p.expires_at - now);
    return "expired " + human_duration(now - *p.expires_at) + " ago";
}

std::string refresh_cell(const profile_status& p, sys_time now)
{
    if (!p.refresh_at)
        return dash;
    if (*p.refresh_at - now < std::chrono::seconds(1))
        return "now";
    return "in " + human_duration(*p.refresh_at - now);
}

std::string error_cell(const profile_status& p, sys_time now)
{
    if (p.last_error.empty())
        return dash;
    if (!p.last_error_at)
        return p.last_error;
    return p.last_error + " (" + human_duration(now - *p.last_error_at) + " ago)";
}

std::string render_status_table(const std::vector<profile_status>& profiles, sys_time now)
{
    using row = std::array<std::string, 6>;
    std::vector<row> rows;
    rows.push_back({"PROFILE", "PROVIDER", "STATE", "EXPIRES", "NEXT REFRESH", "LAST ERROR"});
    for (const auto& p : profiles)
        rows.push_back({p.name, p.provider, p.state, expires_cell(p, now), refresh_cell(p, now), error_cell(p, now)});

    std::array<std::size_t, 6> width{};
    for (const auto& r : rows)
        for (std::size_t c = 0; c < r.size(); ++c)
            width[c] = std::max(width[c], display_width(r[c]));

    std::string out;
    for (const auto& r : rows) {
        for (std::size_t c = 0; c + 1 < r.size(); ++c) // the last column is not padded
            out.append(r[c]).append(width[c] - display_width(r[c]) + 2, ' ');
        out.append(r.back()).push_back('\n');
    }
    return out;
}

} // namespace tok::cli
