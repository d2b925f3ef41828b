// SPDX-License-Identifier: MIT
#include "proxy/server.hpp"

#include "engine/agent.hpp"
#include "proxy/peer_uid.hpp"
#include "sys/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tokend::agent {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using generic = asio::generic::stream_protocol;
using asio::ip::tcp;

namespace {

constexpr std::size_t max_request_head = 32 * 1024;
constexpr std::uint64_t max_request_body = 64ull << 30;

// Answers once and closes: a refused or surplus client gets no session.
void answer_once(int fd, const proxy::error_reply& e)
{
    std::string reply = proxy::render(e, false);
    [[maybe_unused]] auto n = ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

} // namespace

proxy_server::proxy_server(asio::any_io_executor ex, agent& owner, connection_pool& pool, const proxy_settings& settings,
                           std::vector<proxy_socket> sockets)
    : ex_(std::move(ex)), sockets_(std::move(sockets)), cx_{owner, pool, settings}, our_uid_(::geteuid())
{
    for (const proxy_socket& s : sockets_) {
        generic protocol = s.tcp ? generic(s.tcp->protocol().family(), IPPROTO_TCP) : generic(AF_UNIX, 0);
        auto l = std::make_unique<listening>(listening{asio::basic_socket_acceptor<generic>(ex_, protocol, s.fd), {s.tcp}});
        listeners_.push_back(std::move(l));
    }
}

proxy_server::~proxy_server() = default;

void proxy_server::start()
{
    for (auto& l : listeners_)
        asio::co_spawn(ex_, accept_loop(*l), log_task_end{"the proxy's accept loop"});
}

void proxy_server::stop()
{
    cx_.stopping = true;
    boost::system::error_code ignored;
    for (auto& l : listeners_)
        l->acceptor.close(ignored);
    for (session_entry* s : sessions_)
        if (!s->busy)
            s->stream->cancel();
    for (const auto& line : refusals_.due(refusal_log::clock::now() + std::chrono::hours(1)))
        log::warn(line);
}

// docs/proxy.md, "Who may call": our uid or root, by SO_PEERCRED on the Unix socket and by
// the kernel's socket table on TCP.
std::optional<proxy::error_reply> proxy_server::screen(int fd, const proxy_listener& where)
{
    uid_t uid = 0;
    pid_t pid = 0;
    if (where.tcp) {
        auto local = tcp_address_of(fd, true), remote = tcp_address_of(fd, false);
        auto owner = local && remote ? tcp_peer_uid(*local, *remote)
                                     : boost::system::result<uid_t, agent_error>(agent_error{agent_errc::peer_unknown, "no address"});
        if (!owner) {
            log::warn("proxy: refused a connection: ", owner.error().message());
            return proxy::error_reply{403, proto::errc::permission_denied, "cannot tell who is calling"};
        }
        uid = *owner;
    } else {
        ucred peer{};
        socklen_t len = sizeof peer;
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0)
            return proxy::error_reply{403, proto::errc::permission_denied, "cannot identify the peer"};
        uid = peer.uid;
        pid = peer.pid;
    }
    if (uid != our_uid_ && uid != 0) {
        auto now = refusal_log::clock::now();
        if (auto line = refusals_.refused(uid, pid, now))
            log::warn("proxy: ", *line);
        for (const auto& line : refusals_.due(now))
            log::warn("proxy: ", line);
        return proxy::error_reply{403, proto::errc::permission_denied, "this proxy serves only its own user"};
    }
    if (cx_.open >= cx_.owner.settings().max_connections) {
        log::warn("proxy: refused a connection: max_connections (", cx_.owner.settings().max_connections, ") reached");
        return proxy::error_reply{503, proto::errc::busy, "too many connections; try again shortly"};
    }
    return std::nullopt;
}

awaitable<void> proxy_server::accept_loop(listening& l)
{
    while (!cx_.stopping) {
        auto [ec, socket] = co_await l.acceptor.async_accept(nothrow_awaitable);
        if (ec == asio::error::operation_aborted || cx_.stopping)
            break;
        if (ec) { // out of descriptors and the like: say so, breathe, keep serving
            log::warn("proxy: accept failed: ", ec.message());
            asio::steady_timer pause(ex_, std::chrono::milliseconds(100));
            co_await pause.async_wait(nothrow_awaitable);
            continue;
        }
        if (auto refusal = screen(socket.native_handle(), l.where)) {
            answer_once(socket.native_handle(), *refusal);
            continue;
        }
        if (l.where.tcp) { // answers are written whole: no Nagle wait for the last segment
            int one = 1;
            ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        asio::co_spawn(ex_, session(std::move(socket), l.where), log_task_end{"a proxy session"});
    }
}

awaitable<void> proxy_server::session(generic::socket socket, const proxy_listener& where)
{
    proxy::client_stream client(std::move(socket));
    beast::flat_buffer in;
    std::unique_ptr<char[]> piece;
    proxy::connection_state conn{cx_, client, in, where, piece};
    session_entry entry{&client};
    ++cx_.open;
    sessions_.insert(&entry);
    while (!cx_.stopping) {
        proxy::request_parser parser;
        parser.header_limit(max_request_head);
        parser.body_limit(max_request_body);
        client.expires_after(cx_.owner.settings().idle_timeout);
        entry.busy = false;
        auto [ec, n] = co_await http::async_read_header(client, in, parser, nothrow_awaitable);
        entry.busy = true;
        if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted
            || ec == asio::error::connection_reset || ec == asio::error::eof)
            break;
        if (ec) {
            co_await proxy::answer_unreadable(client, ec);
            break;
        }
        if (!co_await proxy::handle_request(conn, parser))
            break;
    }
    sessions_.erase(&entry);
    --cx_.open;
    boost::system::error_code ignored;
    client.socket().shutdown(generic::socket::shutdown_send, ignored);
    client.close();
}

} // namespace tokend::agent
