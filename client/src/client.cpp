// SPDX-License-Identifier: MIT
// tok::client: the public face of session, adding the throwing overloads.
#include <tok/client.hpp>

#include "error.hpp"
#include "session.hpp"

#include <tokend/proto/wipe.hpp>

namespace tok {
namespace {

void throw_if(std::error_code ec)
{
    if (ec)
        throw std::system_error(ec, detail::last_error());
}

template <class T>
T value_or_throw(T value, std::error_code ec)
{
    throw_if(ec);
    return value;
}

} // namespace

token::~token()
{
    tokend::proto::secure_wipe(value);
    for (auto& h : headers)
        tokend::proto::secure_wipe(h.second);
}

struct client::impl {
    explicit impl(const client_options& options) : session(options) {}
    detail::session session;
};

client::client() : client(client_options{}) {}
client::client(client_options options) : impl_(std::make_unique<impl>(options)) {}
client::client(client&&) noexcept = default;
client& client::operator=(client&&) noexcept = default;
client::~client() = default;

token client::get(std::string_view profile, const get_options& options, std::error_code& ec)
{
    token t;
    ec = impl_->session.get(profile, options, t);
    if (ec)
        return {};
    return t;
}

token client::get(std::string_view profile, const get_options& options, std::error_code& ec, std::string& raw_answer)
{
    raw_answer.clear();
    token t;
    ec = impl_->session.get(profile, options, t, &raw_answer);
    if (ec)
        return {};
    return t;
}

token client::get(std::string_view profile, std::error_code& ec)
{
    return get(profile, get_options{}, ec);
}

token client::get(std::string_view profile, const get_options& options)
{
    std::error_code ec;
    return value_or_throw(get(profile, options, ec), ec);
}

void client::invalidate(std::string_view profile, std::string_view token_id, std::error_code& ec)
{
    ec = impl_->session.invalidate(profile, token_id);
}

void client::invalidate(std::string_view profile, std::string_view token_id, std::error_code& ec,
                        std::string& raw_answer)
{
    raw_answer.clear();
    ec = impl_->session.invalidate(profile, token_id, &raw_answer);
}

void client::invalidate(std::string_view profile, std::string_view token_id)
{
    throw_if(impl_->session.invalidate(profile, token_id));
}

std::vector<profile_status> client::status(std::string_view profile, std::error_code& ec)
{
    std::vector<profile_status> out;
    ec = impl_->session.status(profile, out);
    return out;
}

std::vector<profile_status> client::status(std::string_view profile, std::error_code& ec, std::string& raw_answer)
{
    raw_answer.clear();
    std::vector<profile_status> out;
    ec = impl_->session.status(profile, out, &raw_answer);
    return out;
}

std::vector<profile_status> client::status(std::string_view profile)
{
    std::error_code ec;
    return value_or_throw(status(profile, ec), ec);
}

std::string client::status_json(std::string_view profile, std::error_code& ec)
{
    std::vector<profile_status> ignored;
    std::string raw;
    ec = impl_->session.status(profile, ignored, &raw);
    if (ec)
        raw.clear();
    return raw;
}

std::string client::status_json(std::string_view profile)
{
    std::error_code ec;
    return value_or_throw(status_json(profile, ec), ec);
}

void client::add(std::string_view profile, std::string_view password, std::error_code& ec)
{
    ec = impl_->session.add(profile, password);
}

void client::add(std::string_view profile, std::string_view password, std::error_code& ec, std::string& raw_answer)
{
    raw_answer.clear();
    ec = impl_->session.add(profile, password, &raw_answer);
}

void client::add(std::string_view profile, std::string_view password)
{
    throw_if(impl_->session.add(profile, password));
}

void client::reload(std::error_code& ec)
{
    ec = impl_->session.reload();
}

void client::reload(std::error_code& ec, std::string& raw_answer)
{
    raw_answer.clear();
    ec = impl_->session.reload(&raw_answer);
}

void client::reload()
{
    throw_if(impl_->session.reload());
}

agent_info client::hello(std::error_code& ec)
{
    agent_info info;
    ec = impl_->session.hello(info);
    return info;
}

agent_info client::hello(std::error_code& ec, std::string& raw_answer)
{
    raw_answer.clear();
    agent_info info;
    ec = impl_->session.hello(info, &raw_answer);
    return info;
}

agent_info client::hello()
{
    std::error_code ec;
    return value_or_throw(hello(ec), ec);
}

const std::string& client::socket_path() const noexcept
{
    return impl_->session.socket_path();
}

const std::string& client::last_error_message() noexcept
{
    return detail::last_error();
}

} // namespace tok
