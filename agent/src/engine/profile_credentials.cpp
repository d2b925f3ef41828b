// SPDX-License-Identifier: MIT
// The profile's credentials: `tok add`, what a reload brings, and the `_command` sources run
// when a login needs them. Only a value that differs counts as new credentials, and the
// refresh_state then paces the logins they start (docs/refresh.md, "Changing credentials").
#include "engine/profile.hpp"

#include "secrets/command.hpp"
#include "sys/log.hpp"
#include "upstream/providers/provider.hpp"
#include "upstream/providers/registry.hpp"

namespace tokend::agent {

void profile::add_secret(secret value)
{
    secret_added_ = true;
    if (replace_primary(std::move(value)))
        take_new_credentials("added");
    else
        log::info("profile ", cfg_.name, ": tok add: the same credentials again; nothing to do");
}

// Only a value that differs counts as new credentials (docs/refresh.md, "Changing credentials").
bool profile::replace_primary(secret value)
{
    std::optional<secret>& slot = secrets_.slot(cfg_.primary_secret(), cfg_);
    bool same = slot && *slot == value; // constant time (secret::equals)
    slot = std::move(value);
    return !same;
}

void profile::take_new_credentials(std::string_view how)
{
    state_.set_credentials(true);
    state_.credentials_changed();
    log::info("profile ", cfg_.name, ": credentials ", how);
    nudge();
}

bool profile::can_adopt(const profile_config& cfg, const profile_secrets& fresh, duration default_margin) const
{
    if (!(cfg == cfg_) || cfg.refresh_margin.value_or(default_margin) != state_.refresh_margin())
        return false;
    if (cfg.provider->instance().needs_upstream() || (secret_added_ && cfg.token.how == secret_source::kind::none))
        return true;
    const auto& now = secrets_.token;
    const auto& next = fresh.token;
    return now.has_value() == next.has_value() && (!now || *now == *next);
}

void profile::update(profile_config cfg, profile_secrets fresh)
{
    cfg_ = std::move(cfg);
    const secret_source& primary = cfg_.primary_secret();
    std::optional<secret>& old_primary = secrets_.slot(primary, cfg_);
    std::optional<secret>& new_primary = fresh.slot(primary, cfg_);
    bool command = primary.how == secret_source::kind::command;
    // A command's answer is otherwise dropped, to be asked again at the next login; for a
    // rejected profile the refresher asks now, and only an answer that differs counts as new.
    bool recheck = command && state_.rejected();
    bool keep = recheck || (secret_added_ && primary.how == secret_source::kind::none); // `tok add` outlives reloads
    if (keep)
        new_primary = std::move(old_primary);
    bool changed = !keep && !command
                   && (old_primary.has_value() != new_primary.has_value()
                       || (old_primary && new_primary && !(*old_primary == *new_primary)));
    secrets_ = std::move(fresh);
    if (recheck) {
        recheck_command_ = true;
        nudge();
    } else if (changed && state_.rejected()) {
        take_new_credentials("changed");
    } else if (changed) {
        state_.credentials_changed(); // a login already in flight with the old ones must not block them
    }
}

// Runs the password command again for a reload of a rejected profile (see update()).
awaitable<void> profile::recheck_primary_command()
{
    recheck_command_ = false;
    const secret_source& primary = cfg_.primary_secret();
    auto value = co_await run_secret_command(primary.reference, cfg_.timeout, primary.where);
    if (stopped_)
        co_return;
    if (!value)
        log::warn("profile ", cfg_.name, ": after the reload: ", value.error().message());
    else if (replace_primary(std::move(*value)))
        take_new_credentials("changed (the command's answer differs)");
    else
        log::info("profile ", cfg_.name, ": after the reload the command gives the same credentials; nothing to do");
}

awaitable<std::optional<agent_error>> profile::resolve_commands()
{
    for (const secret_source* s : {&cfg_.password, &cfg_.api_secret, &cfg_.client_secret, &cfg_.token}) {
        std::optional<secret>& slot = secrets_.slot(*s, cfg_);
        if (s->how != secret_source::kind::command || slot)
            continue;
        auto value = co_await run_secret_command(s->reference, cfg_.timeout, s->where);
        if (!value)
            co_return std::move(value.error());
        slot = std::move(*value);
    }
    co_return std::nullopt;
}

} // namespace tokend::agent
