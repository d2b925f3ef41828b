// SPDX-License-Identifier: MIT
// Turns one request line into one answer line (proto/PROTOCOL.md). No sockets here: the
// session feeds lines in and writes answers out. Only a get that must wait for the upstream
// goes asynchronous (the session awaits profile::get, then render_get); everything else,
// including a get of a fresh token, completes at once.
#pragma once

#include "engine/agent.hpp"
#include "serve/answer.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tokend::agent {

struct pending_get {
    std::shared_ptr<profile> target;
    std::string id;
    std::optional<double> min_ttl;
};

// Renders a get's outcome: the token's locked fields spliced in (answer.hpp), or the error.
void render_get(answer& out, std::string_view id, get_outcome outcome);

class dispatcher {
public:
    // `reload` re-reads the config (the same path SIGHUP takes) and returns its error, if any.
    using reload_fn = std::function<std::optional<std::string>()>;
    dispatcher(agent& a, reload_fn reload) : agent_(a), reload_(std::move(reload)) {}

    // Puts the answer in `out` and returns nullopt, or returns the get still to finish.
    std::optional<pending_get> handle(std::string_view line, answer& out);
    // The proxy's listeners as hello lists them ("unix:PATH", "tcp:ADDR").
    void set_proxy_addresses(std::vector<std::string> names) { proxy_ = std::move(names); }

private:
    agent& agent_;
    reload_fn reload_;
    std::vector<std::string> proxy_;
};

} // namespace tokend::agent
