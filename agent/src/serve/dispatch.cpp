// SPDX-License-Identifier: MIT
#include "serve/dispatch.hpp"

#include <tokend/proto/codec.hpp>
#include <tokend/proto/limits.hpp>
#include <tokend/proto/wipe.hpp>

namespace tokend::agent {
using proto::errc;

namespace {

// The request's password is wiped however the handling ends.
struct wipe_request {
    proto::request& r;
    ~wipe_request() { proto::secure_wipe(r.password); }
};

} // namespace

std::optional<pending_get> dispatcher::handle(std::string_view line, answer& out)
{
    proto::request req;
    wipe_request wipe{req};
    if (auto error = proto::decode_request(line, req)) {
        proto::encode_error(out.text, req.id, *error);
        return std::nullopt;
    }
    std::shared_ptr<profile> target;
    bool needs_profile = req.op == proto::op::get || req.op == proto::op::invalidate || req.op == proto::op::add
                         || (req.op == proto::op::status && !req.profile.empty());
    if (needs_profile && !(target = agent_.find(req.profile))) {
        std::string message = "profile '" + req.profile + "' is not configured; " + agent_.known_names();
        proto::encode_error(out.text, req.id, {errc::unknown_profile, std::move(message)});
        return std::nullopt;
    }
    switch (req.op) {
    case proto::op::hello:
        proto::encode_hello(out.text, req.id, {"tokend", TOKEND_VERSION, proto::protocol_version, proxy_});
        break;
    case proto::op::get:
        if (auto outcome = target->try_get(req.min_ttl))
            render_get(out, req.id, std::move(*outcome));
        else
            return pending_get{std::move(target), std::move(req.id), req.min_ttl};
        break;
    case proto::op::invalidate:
        target->invalidate(req.token_id ? std::optional<std::string_view>(*req.token_id) : std::nullopt);
        proto::encode_ok(out.text, req.id);
        break;
    case proto::op::status:
        if (target)
            proto::encode_status(out.text, req.id, {target->status()});
        else
            proto::encode_status(out.text, req.id, agent_.status());
        break;
    case proto::op::add:
        target->add_secret(secret::take(req.password));
        proto::encode_ok(out.text, req.id);
        break;
    case proto::op::reload:
        if (auto error = reload_()) {
            proto::encode_error(out.text, req.id, {errc::bad_request, "reload refused: " + *error});
        } else {
            proto::encode_ok(out.text, req.id);
        }
        break;
    }
    return std::nullopt;
}

void render_get(answer& out, std::string_view id, get_outcome outcome)
{
    if (auto* token = std::get_if<std::shared_ptr<const served_token>>(&outcome)) {
        // The answer holds the token's fields alone, sharing ownership of the whole.
        out.set_token(id, std::shared_ptr<const secret>(*token, &(*token)->answer_fields));
    } else {
        auto& failure = std::get<serve_failure>(outcome);
        proto::encode_error(out.text, id, {failure.code, std::move(failure.text)});
    }
}

} // namespace tokend::agent
