// SPDX-License-Identifier: MIT
#include "proxy/request.hpp"

#include "engine/agent.hpp"
#include "engine/profile.hpp"
#include "proxy/error_reply.hpp"
#include "proxy/head.hpp"
#include "proxy/relay.hpp"
#include "sys/log.hpp"
#include "upstream/pool.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <sys/socket.h>

namespace tokend::agent::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using steady = std::chrono::steady_clock;
using proto::errc;
using response_parser = http::response_parser<http::buffer_body>;

namespace {

constexpr std::size_t max_response_head = 64 * 1024;
// While a body streams, either side may pause this long between pieces (nginx's
// proxy_read_timeout and send_timeout).
constexpr auto stream_idle = std::chrono::seconds(60);
// A 401's body up to this size is read, so that its connection can be reused.
constexpr std::uint64_t drain_limit = 64 * 1024;

long long seconds_up(duration d)
{
    return std::max<long long>(1, std::chrono::ceil<std::chrono::seconds>(d).count());
}

error_reply from_failure(const serve_failure& f, const profile& p)
{
    switch (f.code) {
    case errc::upstream_unavailable: {
        auto in = p.next_attempt_in();
        return {503, f.code, f.text, in ? std::optional<long long>(seconds_up(*in)) : std::nullopt};
    }
    case errc::timeout: return {504, f.code, f.text};
    case errc::busy: return {503, f.code, f.text};
    default: return {502, f.code, f.text};
    }
}

error_reply from_connect_error(const agent_error& e, std::string_view profile)
{
    std::string text = "profile " + std::string(profile) + ": " + e.message();
    if (e.is(agent_errc::timeout))
        return {504, errc::timeout, std::move(text)};
    if (e.is(agent_errc::busy))
        return {503, errc::busy, std::move(text)};
    return {502, errc::upstream_unavailable, std::move(text)};
}

bool hangup_like(const boost::system::error_code& ec)
{
    return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset
           || ec == asio::error::broken_pipe;
}

// While the API prepares its answer nobody reads the client's socket; a client that hangs up
// then must still cancel the exchange, so its socket is watched for the end of input.
class hangup_watch {
public:
    hangup_watch(client_stream& client, beast::tcp_stream& upstream) : client_(client), live_(std::make_shared<bool>(true))
    {
        client_.socket().async_wait(asio::socket_base::wait_read,
                                    [live = live_, &client, &upstream](boost::system::error_code ec) {
                                        char c;
                                        if (ec || !*live)
                                            return;
                                        // Readable: either the end (hang-up) or the next pipelined request.
                                        if (::recv(client.socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
                                            upstream.cancel();
                                    });
    }
    ~hangup_watch()
    {
        *live_ = false;
        boost::system::error_code ignored;
        client_.socket().cancel(ignored);
    }
    hangup_watch(const hangup_watch&) = delete;
    hangup_watch& operator=(const hangup_watch&) = delete;

private:
    client_stream& client_;
    std::shared_ptr<bool> live_;
};

enum class attempt_end { answered, failed, stale, client_gone };

class request_run {
public:
    request_run(connection_state& conn, request_parser& p) : conn_(conn), cx_(conn.cx), req_(p) {}
    awaitable<bool> run();

private:
    std::optional<error_reply> screen();
    awaitable<std::optional<error_reply>> obtain_token();
    awaitable<std::optional<error_reply>> read_kept_body();
    awaitable<attempt_end> attempt();
    template <class Upstream>
    awaitable<attempt_end> send_and_read_head(Upstream& up, const secret_string& head);
    template <class Upstream>
    awaitable<attempt_end> stream_rest_of_body(Upstream& up);
    template <class Upstream>
    awaitable<void> drain(Upstream& up);
    template <class Upstream>
    awaitable<bool> relay_answer(Upstream& up);
    awaitable<bool> fail(const error_reply& e);
    void log_done(unsigned status, std::string_view note = {}) const;
    char* piece();
    bool keep_client() const { return consumed_ && req_.keep_alive() && !cx_.stopping; }

    connection_state& conn_;
    proxy_context& cx_;
    request_parser& req_;
    steady::time_point started_ = steady::now();
    std::shared_ptr<profile> profile_;
    std::shared_ptr<const served_token> token_;
    std::string profile_name_, target_;
    endpoint api_; // a copy: a reload may replace the profile's config meanwhile
    std::string kept_;         // the body read so far, while it fits replay_limit
    bool complete_ = false;    // kept_ is the whole body: the request can be sent again
    bool consumed_ = false;    // the client's body has been read to its end
    bool continued_ = false;   // 100 Continue was sent
    bool retried_ = false, stale_retried_ = false, counted_ = false;
    std::unique_ptr<pooled_connection> up_;
    beast::flat_buffer up_in_;
    std::optional<response_parser> answer_;
    std::optional<error_reply> error_;
    std::uint64_t bytes_ = 0;
};

char* request_run::piece()
{
    if (!conn_.piece)
        conn_.piece = std::make_unique_for_overwrite<char[]>(piece_size);
    return conn_.piece.get();
}

std::optional<error_reply> request_run::screen()
{
    const auto& h = req_.get();
    if (h.count(http::field::upgrade))
        return error_reply{501, errc::bad_request, "Upgrade (WebSocket, h2c) is not supported by tokend's proxy"};
    for (auto f : {http::field::host, http::field::origin})
        if (h.count(f) > 1)
            return error_reply{400, errc::bad_request, "the request repeats the " + std::string(to_string(f)) + " header"};
    auto one = [&](std::string_view name) -> std::optional<std::string_view> {
        auto it = h.find(name);
        return it == h.end() ? std::nullopt : std::optional<std::string_view>(it->value());
    };
    if (h.count("Sec-Fetch-Site") > 1)
        return error_reply{400, errc::bad_request, "the request repeats the Sec-Fetch-Site header"};
    auto verdict = check_browser_rules(conn_.listener, {one("Host"), one("Origin"), one("Sec-Fetch-Site")});
    if (!verdict.allowed)
        return error_reply{403, errc::permission_denied, verdict.reason};
    auto parts = split_target(h.target());
    if (!parts)
        return error_reply{400, errc::bad_request, "the request target must be /PROFILE/PATH (origin-form)"};
    profile_name_ = std::string(parts->profile);
    profile_ = cx_.owner.find(profile_name_);
    if (!profile_)
        return error_reply{404, errc::unknown_profile,
                           "profile '" + profile_name_ + "' is not configured; " + cx_.owner.known_names()};
    const auto& api = profile_->config().api_url.value;
    if (!api)
        return error_reply{404, errc::unknown_profile, "profile '" + profile_name_ + "' has no api_url to proxy to"};
    api_ = *api;
    target_ = upstream_target(api_.path, parts->rest);
    return std::nullopt;
}

awaitable<std::optional<error_reply>> request_run::obtain_token()
{
    auto outcome = profile_->try_get(std::nullopt);
    if (!outcome)
        outcome = co_await profile_->get(std::nullopt, steady::now() + profile_->config().timeout);
    if (auto* failure = std::get_if<serve_failure>(&*outcome))
        co_return from_failure(*failure, *profile_);
    token_ = std::get<std::shared_ptr<const served_token>>(std::move(*outcome));
    co_return std::nullopt;
}

// Keeps the body in memory while it fits replay_limit, so that a 401 can be answered by
// sending the request again; a longer one is streamed on from where this stops.
awaitable<std::optional<error_reply>> request_run::read_kept_body()
{
    if (req_.is_done()) {
        complete_ = consumed_ = true;
        co_return std::nullopt;
    }
    std::uint64_t limit = cx_.settings.replay_limit;
    if (!continued_ && req_.get().version() >= 11 && beast::iequals(req_.get()[http::field::expect], "100-continue")) {
        continued_ = true;
        auto [ec, n] = co_await asio::async_write(conn_.client, asio::buffer("HTTP/1.1 100 Continue\r\n\r\n", 25),
                                                  nothrow_awaitable);
        if (ec)
            co_return error_reply{400, errc::bad_request, "the client went away"};
    }
    if (auto len = req_.content_length(); len && *len > limit)
        co_return std::nullopt; // streamed after the head; not kept
    while (!req_.is_done() && kept_.size() <= limit) {
        conn_.client.expires_after(stream_idle);
        auto [ec, n] = co_await read_piece(conn_.client, conn_.in, req_, piece(), piece_size);
        if (ec)
            co_return error_reply{400, errc::bad_request, "cannot read the request body: " + ec.message()};
        kept_.append(piece(), n);
    }
    complete_ = consumed_ = req_.is_done();
    co_return std::nullopt;
}

awaitable<attempt_end> request_run::attempt()
{
    auto timeout = profile_->config().timeout;
    auto got = co_await cx_.pool.acquire(profile_name_, api_, {.deadline = steady::now() + timeout, .timeout = timeout});
    if (!got) {
        error_ = from_connect_error(got.error(), profile_name_);
        co_return attempt_end::failed;
    }
    up_ = std::move(*got);
    framing body;
    if (complete_ && (req_.content_length() || req_.chunked()))
        body = {framing::length, kept_.size()};
    else if (!complete_)
        body = req_.chunked() ? framing{framing::chunked, 0} : framing{framing::length, *req_.content_length()};
    secret_string head;
    write_request_head(head, {req_.get().method_string(), target_, host_header(api_), req_.get(),
                              token_->header_lines.view(), token_->header_names, body});
    if (!counted_) {
        counted_ = true;
        profile_->count_proxied();
    }
    co_return co_await std::visit([&](auto& up) { return send_and_read_head(up, head); }, up_->stream());
}

template <class Upstream>
awaitable<attempt_end> request_run::send_and_read_head(Upstream& up, const secret_string& head)
{
    beast::tcp_stream& tcp = tcp_layer(up_->stream());
    tcp.expires_after(stream_idle);
    // The head alone first: it holds the token, and a TLS stream would copy a gathered write
    // into an ordinary buffer of its own.
    auto [ec, n] = co_await asio::async_write(up, asio::buffer(head.data(), head.size()), nothrow_awaitable);
    if (!ec && complete_ && !kept_.empty())
        std::tie(ec, n) = co_await asio::async_write(up, asio::buffer(kept_), nothrow_awaitable);
    if (ec && up_->reused() && complete_)
        co_return attempt_end::stale;
    if (ec) {
        error_ = error_reply{502, errc::upstream_unavailable,
                             "profile " + profile_name_ + ": sending to the API failed: " + ec.message()};
        co_return attempt_end::failed;
    }
    if (!complete_)
        if (auto end = co_await stream_rest_of_body(up); end != attempt_end::answered)
            co_return end;

    auto fresh_answer = [&] {
        answer_.emplace();
        answer_->header_limit(max_response_head);
        answer_->body_limit(boost::none);
        answer_->skip(req_.get().method() == http::verb::head); // a HEAD answer has no body
    };
    fresh_answer();
    up_in_.clear();
    tcp.expires_after(profile_->config().timeout);
    {
        hangup_watch watch(conn_.client, tcp);
        for (;;) {
            std::tie(ec, n) = co_await http::async_read_header(up, up_in_, *answer_, nothrow_awaitable);
            unsigned status = ec ? 0 : answer_->get().result_int();
            if (ec || status >= 200 || status == 101)
                break;
            fresh_answer(); // 1xx (103 Early Hints...): informational, the answer follows
        }
    }
    if (!ec)
        co_return attempt_end::answered;
    if (ec == asio::error::operation_aborted)
        co_return attempt_end::client_gone;
    if (hangup_like(ec) && up_->reused() && complete_)
        co_return attempt_end::stale;
    if (ec == beast::error::timeout)
        error_ = error_reply{504, errc::timeout, "profile " + profile_name_ + ": the API did not answer within "
                                                     + seconds_text(profile_->config().timeout)};
    else
        error_ = error_reply{502, errc::upstream_unavailable,
                             "profile " + profile_name_ + ": reading the API's answer failed: " + ec.message()};
    co_return attempt_end::failed;
}

// The part of a body past replay_limit goes on as it arrives, after what was kept.
template <class Upstream>
awaitable<attempt_end> request_run::stream_rest_of_body(Upstream& up)
{
    bool chunked = req_.chunked();
    beast::tcp_stream& tcp = tcp_layer(up_->stream());
    std::string_view pending = kept_;
    for (;;) {
        std::size_t n = 0;
        if (pending.empty() && !req_.is_done()) {
            conn_.client.expires_after(stream_idle);
            auto [ec, got] = co_await read_piece(conn_.client, conn_.in, req_, piece(), piece_size);
            if (ec)
                co_return attempt_end::client_gone;
            n = got;
        }
        std::string_view data = pending.empty() ? std::string_view(piece(), n) : pending;
        bool last = req_.is_done();
        tcp.expires_after(stream_idle);
        if (auto ec = co_await write_piece(up, {}, data, chunked, last)) {
            error_ = error_reply{502, errc::upstream_unavailable,
                                 "profile " + profile_name_ + ": sending the body to the API failed: " + ec.message()};
            co_return attempt_end::failed;
        }
        pending = {};
        if (last)
            break;
    }
    consumed_ = true;
    kept_.clear();
    co_return attempt_end::answered;
}

// A 401 about to be replayed: its body is read when short (the connection stays reusable),
// else the connection is dropped.
template <class Upstream>
awaitable<void> request_run::drain(Upstream& up)
{
    auto len = answer_->content_length();
    if (answer_->is_done() || (len && *len <= drain_limit)) {
        tcp_layer(up_->stream()).expires_after(profile_->config().timeout);
        boost::system::error_code ec;
        while (!ec && !answer_->is_done())
            std::tie(ec, std::ignore) = co_await read_piece(up, up_in_, *answer_, piece(), piece_size);
        if (!ec && answer_->keep_alive() && up_in_.size() == 0)
            up_->release();
    }
    up_.reset();
}

template <class Upstream>
awaitable<bool> request_run::relay_answer(Upstream& up)
{
    auto& answer = answer_->get();
    unsigned status = answer.result_int();
    bool no_body = req_.get().method() == http::verb::head || status == 204 || status == 304;
    bool keep = keep_client();
    framing f;
    if (auto len = answer_->content_length())
        f = {framing::length, *len};
    else if (!no_body && req_.get().version() >= 11)
        f = {framing::chunked, 0};
    else if (!no_body)
        keep = false; // an HTTP/1.0 client: the end of the connection ends the body
    std::string head;
    write_response_head(head, {status, answer.reason(), answer, f, keep, retried_});
    std::string_view pending = head;
    beast::tcp_stream& tcp = tcp_layer(up_->stream());
    for (;;) {
        std::size_t n = 0;
        if (!no_body) {
            tcp.expires_after(stream_idle);
            auto [ec, got] = co_await read_piece(up, up_in_, *answer_, piece(), piece_size);
            if (ec) { // cut short: the client can only learn it from the connection's end
                log_done(status, "the API's answer broke off: " + ec.message());
                co_return false;
            }
            n = got;
        }
        bool last = no_body || answer_->is_done();
        conn_.client.expires_after(stream_idle);
        if (co_await write_piece(conn_.client, pending, {piece(), n}, f.how == framing::chunked, last))
            co_return false; // the client went away: the connection to the API is dropped too
        bytes_ += n;
        pending = {};
        if (last)
            break;
    }
    if (answer_->keep_alive() && up_in_.size() == 0)
        up_->release();
    up_.reset();
    log_done(status);
    co_return keep;
}

awaitable<bool> request_run::fail(const error_reply& e)
{
    // A refusal (403) or an Upgrade ends the connection: whoever sent one has no business sending more.
    bool keep = keep_client() && e.status != 501 && e.status != 403;
    std::string reply = render(e, keep);
    conn_.client.expires_after(stream_idle);
    auto [ec, n] = co_await asio::async_write(conn_.client, asio::buffer(reply), nothrow_awaitable);
    log_done(e.status, proto::to_string(e.code));
    co_return keep && !ec;
}

void request_run::log_done(unsigned status, std::string_view note) const
{
    if (!log::enabled(log::level::debug))
        return;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started_).count();
    std::string_view path = target_.empty() ? std::string_view("-") : std::string_view(target_).substr(0, target_.find('?'));
    log::debug("proxy: ", req_.get().method_string(), " ", profile_name_.empty() ? "-" : profile_name_, " ", path,
               " -> ", status, ", ", bytes_, " bytes, ", ms, " ms", retried_ ? ", retried" : "",
               note.empty() ? "" : " (", note, note.empty() ? "" : ")");
}

awaitable<bool> request_run::run()
{
    consumed_ = req_.is_done(); // no body at all
    if (auto refusal = screen())
        co_return co_await fail(*refusal);
    if (auto failure = co_await obtain_token())
        co_return co_await fail(*failure);
    if (auto failure = co_await read_kept_body())
        co_return co_await fail(*failure);
    for (;;) {
        attempt_end end = co_await attempt();
        if (end == attempt_end::stale && !stale_retried_) { // an idle connection the API had closed
            stale_retried_ = true;
            up_.reset();
            continue;
        }
        if (end == attempt_end::client_gone) {
            log_done(0, "the client went away");
            co_return false;
        }
        if (end != attempt_end::answered)
            co_return co_await fail(error_.value_or(error_reply{502, errc::upstream_unavailable, "the API closed the connection"}));
        if (answer_->get().result_int() != 401 || !complete_ || retried_)
            break;
        // docs/proxy.md, "401": the token was refused; renew it (invalidate's rules) and send again once.
        co_await std::visit([&](auto& up) { return drain(up); }, up_->stream());
        retried_ = true;
        profile_->count_proxy_retry();
        profile_->invalidate(token_->token_id);
        if (auto failure = co_await obtain_token())
            co_return co_await fail(*failure);
    }
    co_return co_await std::visit([&](auto& up) { return relay_answer(up); }, up_->stream());
}

} // namespace

awaitable<bool> handle_request(connection_state& conn, request_parser& parser)
{
    request_run run(conn, parser);
    co_return co_await run.run();
}

awaitable<void> answer_unreadable(client_stream& client, const boost::system::error_code& ec)
{
    error_reply e = ec == http::error::header_limit ? error_reply{431, errc::too_large, "the request head is larger than 32 KiB"}
                    : ec == http::error::body_limit ? error_reply{413, errc::too_large, "the request body is larger than 64 GiB"}
                                                    : error_reply{400, errc::bad_request, "malformed HTTP request: " + ec.message()};
    std::string reply = render(e, false);
    client.expires_after(std::chrono::seconds(5));
    co_await asio::async_write(client, asio::buffer(reply), nothrow_awaitable);
    log::debug("proxy: refused an unreadable request -> ", e.status, " (", e.message, ")");
}

} // namespace tokend::agent::proxy
