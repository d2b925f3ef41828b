// SPDX-License-Identifier: MIT
#include "agent.hpp"

#include "log.hpp"

#include <tokend/proto/duration.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <array>

namespace tokend::agent {

namespace {

// A profile's refresh margin as it takes effect: its own, else the [agent] default.
duration effective_margin(const profile_config& p, const config& c)
{
    return p.refresh_margin.value_or(c.agent.refresh_margin);
}

// SHA-256 of a secret, to notice a changed value without keeping a second copy of it.
std::string digest(const std::optional<secret>& s)
{
    if (!s)
        return {};
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(s->data(), s->size(), md, &len, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<const char*>(md), len);
}

} // namespace

boost::system::result<std::vector<profile_secrets>, std::string> read_all_secrets(const config& c)
{
    std::vector<profile_secrets> out;
    out.reserve(c.profiles.size());
    for (const profile_config& p : c.profiles) {
        auto s = read_profile_secrets(p);
        if (!s)
            return s.error();
        out.push_back(std::move(*s));
    }
    return out;
}

agent::agent(services& svc, config cfg, std::vector<profile_secrets> secrets) : svc_(svc), config_(std::move(cfg))
{
    for (std::size_t i = 0; i < config_.profiles.size(); ++i) {
        if (config_.profiles[i].provider == provider_kind::static_token)
            static_tokens_[config_.profiles[i].name] = digest(secrets[i].token);
        profiles_.emplace(config_.profiles[i].name,
                          make_profile(config_.profiles[i], std::move(secrets[i]), first_attempt_delay(config_.profiles.size())));
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

std::shared_ptr<profile> agent::make_profile(profile_config cfg, profile_secrets secrets, duration first_attempt_in)
{
    return std::make_shared<profile>(svc_, std::move(cfg), std::move(secrets), config_.agent.refresh_margin,
                                     first_attempt_in);
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
        return "no profiles are configured (see " + config_.path + ")";
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
    auto c = load_config(config_.path);
    if (!c)
        return c.error().message;
    auto secrets = read_all_secrets(*c);
    if (!secrets)
        return secrets.error();
    if (c->agent.socket != config_.agent.socket)
        log::warn("reload: [agent] socket changed; the new path takes effect at the next start");
    std::map<std::string, std::shared_ptr<profile>, std::less<>> next;
    std::map<std::string, std::string, std::less<>> next_static;
    std::vector<std::shared_ptr<profile>> fresh;
    reload_outcome done;
    for (std::size_t i = 0; i < c->profiles.size(); ++i) {
        profile_config& pc = c->profiles[i];
        profile_secrets& ps = (*secrets)[i];
        if (pc.provider == provider_kind::static_token)
            next_static[pc.name] = digest(ps.token);
        auto old = find(pc.name);
        // A static profile's token is its whole state, so a new token makes it a new profile;
        // any other kept profile adopts its re-read secrets for its next login.
        bool same_token = pc.provider != provider_kind::static_token || static_tokens_[pc.name] == next_static[pc.name];
        if (old && old->config() == pc && effective_margin(pc, *c) == effective_margin(old->config(), config_)
            && same_token) {
            old->update(std::move(pc), std::move(ps));
            next.emplace(pc.name, old);
            ++done.kept;
            continue;
        }
        ++(old ? done.changed : done.added);
        fresh.push_back(std::make_shared<profile>(svc_, pc, std::move(ps), c->agent.refresh_margin, duration::zero()));
        next.emplace(pc.name, fresh.back());
    }
    for (auto& [name, p] : profiles_) {
        auto it = next.find(name);
        if (it == next.end() || it->second != p) {
            p->stop(it == next.end() ? "removed by a reload" : "changed by a reload while this request waited; ask again");
            done.removed += it == next.end();
        }
    }
    profiles_ = std::move(next);
    static_tokens_ = std::move(next_static);
    config_ = std::move(*c);
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
