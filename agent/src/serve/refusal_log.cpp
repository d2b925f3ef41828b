// SPDX-License-Identifier: MIT
#include "serve/refusal_log.hpp"

namespace tokend::agent {

std::optional<std::string> refusal_log::refused(uid_t uid, pid_t pid, clock::time_point now)
{
    if (by_uid_.size() >= 64) // uids that went quiet need no entry: keep the map small
        std::erase_if(by_uid_, [&](const auto& kv) {
            return kv.second.unlogged == 0 && now - kv.second.logged_at >= interval;
        });
    auto [it, fresh] = by_uid_.try_emplace(uid);
    entry& e = it->second;
    if (!fresh && now - e.logged_at < interval) {
        ++e.unlogged;
        e.latest_pid = pid;
        return std::nullopt;
    }
    e.latest_pid = pid;
    std::string line;
    if (e.unlogged == 0) {
        line = "refused a connection from uid " + std::to_string(uid) + " (pid " + std::to_string(pid)
               + "): not the agent's user";
    } else { // the minute ended before due() reported the count: say it now, this one included
        ++e.unlogged;
        line = count_line(uid, e);
    }
    e.logged_at = now;
    e.unlogged = 0;
    return line;
}

std::vector<std::string> refusal_log::due(clock::time_point now)
{
    std::vector<std::string> lines;
    for (auto it = by_uid_.begin(); it != by_uid_.end();) {
        entry& e = it->second;
        if (now - e.logged_at < interval) {
            ++it;
            continue;
        }
        if (e.unlogged == 0) { // quiet for a minute: the next refusal is news again
            it = by_uid_.erase(it);
            continue;
        }
        lines.push_back(count_line(it->first, e));
        e.logged_at = now;
        e.unlogged = 0;
        ++it;
    }
    return lines;
}

std::optional<refusal_log::clock::time_point> refusal_log::next_due() const
{
    std::optional<clock::time_point> next;
    for (const auto& [uid, e] : by_uid_)
        if (e.unlogged > 0 && (!next || e.logged_at + interval < *next))
            next = e.logged_at + interval;
    return next;
}

std::vector<std::string> refusal_log::flush()
{
    std::vector<std::string> lines;
    for (auto& [uid, e] : by_uid_) {
        if (e.unlogged > 0)
            lines.push_back(count_line(uid, e));
        e.unlogged = 0;
    }
    return lines;
}

std::string refusal_log::count_line(uid_t uid, const entry& e)
{
    return "refused " + std::to_string(e.unlogged) + (e.unlogged == 1 ? " more connection" : " more connections")
           + " from uid " + std::to_string(uid) + " since the last such line (latest pid "
           + std::to_string(e.latest_pid) + "): not the agent's user";
}

} // namespace tokend::agent
