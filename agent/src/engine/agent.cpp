// SPDX-License-Identifier: MIT
#include "engine/agent.hpp"

#include "sys/log.hpp"

#include <tokend/proto/duration.hpp>
#include <tokend/proto/json_text.hpp>

#include <algorithm>
#include <array>

namespace tokend::agent {

boost::system::result<std::vector<profile_secrets>, std::string> read_all_secrets(const config& c)
{
    std::vector<profile_secrets> out;
    out.reserve(c.profiles.size());
    secret_file_cache files;
    for (const profile_config& p : c.profiles) {
        auto s = read_profile_secrets(p, files);
        if (!s)
            return s.error().message();
        out.push_back(std::move(*s));
    }
    proto::scrub_stack(); // what reading them left in dead stack frames (docs/security.md)
    return out;
}

agent::agent(services& svc, config cfg, std::vector<profile_secrets> secrets)
    : svc_(svc), config_path_(std::move(cfg.path)), settings_(std::move(cfg.agent)), proxy_(std::move(cfg.proxy))
{
    const std::size_t count = cfg.profiles.size();
    for (std::size_t i = 0; i < count; ++i) {
        std::string name = cfg.profiles[i].name;
        profiles_.emplace(std::move(name), make_profile(std::move(cfg.profiles[i]), std::move(secrets[i]),
                                                        settings_.refresh_margin, first_attempt_delay(count)));
    }
}

agent::~agent() { stop(); }

// First logins are spread so that a thousand profiles do not log in within one millisecond:
// 25 ms of spread per profile, at most a minute. A request never waits for this delay.
duration agent::first_attempt_delay(std::size_t count)
{
    auto spread = std::min<duration>(std::chrono::milliseconds(25) * static_cast<long>(count), std::chrono::seconds(60));
    return std::chrono::duration_cast<duration>(spread * svc_.uniform());
}

std::shared_ptr<profile> agent::make_profile(profile_config cfg, profile_secrets secrets, duration default_margin,
                                             duration first_attempt_in)
{
    return std::make_shared<profile>(svc_, std::move(cfg), std::move(secrets), default_margin, first_attempt_in);
}

void agent::start()
{
    started_ = true;
    for (auto& [name, p] : profiles_)
        p->start();
}

void agent::stop()
{
    for (auto& [name, p] : profiles_)
        p->stop("tokend is stopping");
    started_ = false;
}

void agent::nudge_all()
{
    for (auto& [name, p] : profiles_)
        p->nudge();
}

std::shared_ptr<profile> agent::find(std::string_view name) const
{
    auto it = profiles_.find(name);
    return it == profiles_.end() ? nullptr : it->second;
}

std::string agent::known_names() const
{
    if (profiles_.empty())
        return "no profiles are configured (see " + config_path_ + ")";
    std::string out = "known: ";
    std::size_t shown = 0;
    for (auto& [name, p] : profiles_) {
        if (shown == 10) {
            out += ", and " + std::to_string(profiles_.size() - shown) + " more";
            break;
        }
        out += shown++ ? ", " + name : name;
    }
    return out;
}

std::vector<proto::profile_status> agent::status() const
{
    std::vector<proto::profile_status> out;
    out.reserve(profiles_.size());
    for (auto& [name, p] : profiles_)
        out.push_back(p->status());
    return out;
}

boost::system::result<reload_outcome, std::string> agent::reload()
{
    auto c = load_config(config_path_);
    if (!c)
        return c.error().message;
    auto secrets = read_all_secrets(*c);
    if (!secrets)
        return secrets.error();
    if (c->agent.socket != settings_.socket)
        log::warn("reload: [agent] socket changed; the new path takes effect at the next start");
    if (c->proxy.listen != proxy_.listen)
        log::warn("reload: [proxy] listen changed; the new listeners take effect at the next start");
    std::map<std::string, std::shared_ptr<profile>, std::less<>> next;
    std::vector<std::shared_ptr<profile>> fresh;
    reload_outcome done;
    for (std::size_t i = 0; i < c->profiles.size(); ++i) {
        profile_config& pc = c->profiles[i];
        profile_secrets& ps = (*secrets)[i];
        std::string name = pc.name;
        auto old = find(name);
        if (old && old->can_adopt(pc, ps, c->agent.refresh_margin)) {
            old->update(std::move(pc), std::move(ps));
            next.emplace(std::move(name), old);
            ++done.kept;
            continue;
        }
        ++(old ? done.changed : done.added);
        fresh.push_back(make_profile(std::move(pc), std::move(ps), c->agent.refresh_margin, duration::zero()));
        next.emplace(std::move(name), fresh.back());
    }
    for (auto& [name, p] : profiles_) {
        auto it = next.find(name);
        if (it == next.end() || it->second != p) {
            p->stop(it == next.end() ? "removed by a reload" : "changed by a reload while this request waited; ask again");
            done.removed += it == next.end();
        }
    }
    profiles_ = std::move(next);
    settings_ = std::move(c->agent);
    proxy_.replay_limit = c->proxy.replay_limit;
    if (started_)
        for (auto& p : fresh)
            p->start();
    return done;
}

std::string agent::summary() const
{
    std::array<std::size_t, 7> counts{};
    std::optional<boot_time> next;
    for (auto& [name, p] : profiles_) {
        ++counts[static_cast<std::size_t>(p->state())];
        if (auto at = p->next_attempt_at(); at && (!next || *at < *next))
            next = at;
    }
    std::string out = std::to_string(profiles_.size()) + (profiles_.size() == 1 ? " profile" : " profiles");
    const char* sep = ": ";
    for (std::size_t i = 0; i < counts.size(); ++i)
        if (counts[i]) {
            out += sep + std::to_string(counts[i]) + " " + std::string(to_string(static_cast<profile_state>(i)));
            sep = ", ";
        }
    if (next) {
        auto in = std::max(duration::zero(), *next - svc_.clock.boot_now());
        out += "; next refresh in " + proto::format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(in));
    }
    return out;
}

} // namespace tokend::agent
