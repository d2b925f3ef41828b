// SPDX-License-Identifier: MIT
// The set of profiles and the config they came from: lookup, status, and reload (profiles
// added, removed and changed; unchanged ones keep their tokens).
#pragma once

#include "config/config.hpp"
#include "engine/profile.hpp"
#include "engine/services.hpp"

#include <tokend/proto/message.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tokend::agent {

// What a reload did, by profile.
struct reload_outcome {
    std::size_t kept = 0, added = 0, changed = 0, removed = 0;
};

// Reads every profile's secrets (all but _command ones); the first failure is the error.
boost::system::result<std::vector<profile_secrets>, std::string> read_all_secrets(const config& c);

class agent {
public:
    agent(services& svc, config cfg, std::vector<profile_secrets> secrets);
    ~agent();

    void start(); // starts every profile, spreading their first logins
    void stop();
    // Every refresher re-plans now: after a suspend its timer may have slept through a deadline.
    void nudge_all();

    std::shared_ptr<profile> find(std::string_view name) const;
    // "known: a, b, c" (at most ten names) for unknown_profile messages.
    std::string known_names() const;
    std::vector<proto::profile_status> status() const;
    std::size_t size() const { return profiles_.size(); }

    // Re-reads the config file and its secrets. All or nothing: on any error the running
    // config stays and the error ("file:line: key: what") is returned. Kept profiles keep
    // their tokens and adopt re-read secrets; changed ones start afresh.
    boost::system::result<reload_outcome, std::string> reload();
    const agent_settings& settings() const { return settings_; }
    // [proxy]: its listeners are bound at start; replay_limit follows reloads.
    const proxy_settings& proxy() const { return proxy_; }
    const std::string& config_path() const { return config_path_; }

    // One line for systemd's STATUS=: "3 profiles: 3 valid; next refresh in 41m".
    std::string summary() const;

private:
    std::shared_ptr<profile> make_profile(profile_config cfg, profile_secrets secrets, duration default_margin,
                                          duration first_attempt_in);
    duration first_attempt_delay(std::size_t count);

    services& svc_;
    // Only the path and [agent]: each profile holds its own profile_config, and a second copy
    // here would cost about 1 KiB per profile.
    std::string config_path_;
    agent_settings settings_;
    proxy_settings proxy_;
    std::map<std::string, std::shared_ptr<profile>, std::less<>> profiles_;
    bool started_ = false;
};

} // namespace tokend::agent
