// SPDX-License-Identifier: MIT
#include "proxy/peer_uid.hpp"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

namespace tokend::agent {
namespace {

namespace ip = boost::asio::ip;
using result = boost::system::result<uid_t, agent_error>;

struct diag_request {
    nlmsghdr header;
    inet_diag_req_v2 body;
};

agent_error unknown(std::string why)
{
    return {agent_errc::peer_unknown, "cannot tell who owns the peer's socket: " + std::move(why)};
}

// An IPv4-mapped IPv6 pair is looked up as IPv4: the kernel finds the same socket either way,
// and the answer's tuple then compares plainly.
ip::address plain(const ip::address& a)
{
    if (a.is_v6() && a.to_v6().is_v4_mapped())
        return ip::make_address_v4(ip::v4_mapped, a.to_v6());
    return a;
}

void put_address(__be32 (&out)[4], const ip::address& a)
{
    if (a.is_v4()) {
        const auto bytes = a.to_v4().to_bytes();
        std::memcpy(out, bytes.data(), bytes.size());
    } else {
        const auto bytes = a.to_v6().to_bytes();
        std::memcpy(out, bytes.data(), bytes.size());
    }
}

// The peer's socket: its source is our remote endpoint, its destination our local one.
diag_request request_for(const ip::tcp::endpoint& local, const ip::tcp::endpoint& remote, std::uint32_t seq)
{
    diag_request r{};
    r.header.nlmsg_len = sizeof r;
    r.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    r.header.nlmsg_flags = NLM_F_REQUEST; // no NLM_F_DUMP: the kernel's exact 4-tuple lookup
    r.header.nlmsg_seq = seq;
    r.body.sdiag_family = plain(local.address()).is_v4() ? AF_INET : AF_INET6;
    r.body.sdiag_protocol = IPPROTO_TCP;
    r.body.idiag_states = ~0u;
    r.body.id.idiag_sport = htons(remote.port());
    r.body.id.idiag_dport = htons(local.port());
    put_address(r.body.id.idiag_src, plain(remote.address()));
    put_address(r.body.id.idiag_dst, plain(local.address()));
    r.body.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    r.body.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    return r;
}

// States of a connecting socket that still belongs to a process. LISTEN is what the kernel's
// lookup falls back to when no connection matches; TIME_WAIT, SYN_RECV and CLOSE are
// mini-sockets or leftovers without an owner.
bool connected_state(std::uint8_t state)
{
    switch (state) {
    case TCP_ESTABLISHED: case TCP_FIN_WAIT1: case TCP_FIN_WAIT2:
    case TCP_CLOSE_WAIT: case TCP_CLOSING: case TCP_LAST_ACK:
        return true;
    default:
        return false;
    }
}

result read_answer(const inet_diag_msg& m, const diag_request& asked)
{
    if (!connected_state(m.idiag_state))
        return unknown("no open connection with that address and port");
    // An orphaned socket (closed by its process, still finishing) has no inode and reads as
    // uid 0: it must not pass for root.
    if (m.idiag_inode == 0)
        return unknown("the connecting socket is already closed");
    const auto& want = asked.body.id;
    const bool same = m.idiag_family == asked.body.sdiag_family && m.id.idiag_sport == want.idiag_sport
        && m.id.idiag_dport == want.idiag_dport && std::memcmp(m.id.idiag_src, want.idiag_src, sizeof want.idiag_src) == 0
        && std::memcmp(m.id.idiag_dst, want.idiag_dst, sizeof want.idiag_dst) == 0;
    if (!same)
        return unknown("the kernel answered about another socket");
    return static_cast<uid_t>(m.idiag_uid);
}

// One datagram from the kernel that answers `asked`: the uid, an error, or nullopt to read on.
std::optional<result> read_datagram(const char* data, std::size_t size, const diag_request& asked)
{
    for (auto* h = reinterpret_cast<const nlmsghdr*>(data); NLMSG_OK(h, size); h = NLMSG_NEXT(h, size)) {
        if (h->nlmsg_seq != asked.header.nlmsg_seq)
            continue;
        if (h->nlmsg_type == NLMSG_ERROR) {
            if (h->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr)))
                return result{unknown("a short netlink error")};
            const int err = -static_cast<const nlmsgerr*>(NLMSG_DATA(h))->error;
            if (err == ENOENT)
                return result{unknown("no open connection with that address and port")};
            return result{unknown(std::string("netlink: ") + std::strerror(err))};
        }
        if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY && h->nlmsg_len >= NLMSG_LENGTH(sizeof(inet_diag_msg)))
            return read_answer(*static_cast<const inet_diag_msg*>(NLMSG_DATA(h)), asked);
    }
    return std::nullopt;
}

struct fd_guard {
    int fd;
    ~fd_guard() { ::close(fd); }
};

} // namespace

result tcp_peer_uid(const ip::tcp::endpoint& local, const ip::tcp::endpoint& remote, std::chrono::milliseconds timeout)
{
    if (plain(local.address()).is_v4() != plain(remote.address()).is_v4())
        return unknown("the local and remote addresses are of different families");
    const int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_SOCK_DIAG);
    if (fd < 0)
        return unknown(std::string("cannot open a NETLINK_SOCK_DIAG socket: ") + std::strerror(errno));
    const fd_guard guard{fd};
    static std::uint32_t next_seq = 0; // the agent's one thread: no lock
    const diag_request asked = request_for(local, remote, ++next_seq);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(fd, &asked, sizeof asked, 0, reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) < 0)
        return unknown(std::string("netlink request: ") + std::strerror(errno));

    const auto deadline = std::chrono::steady_clock::now() + timeout;
    alignas(nlmsghdr) char buffer[8192];
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd p{fd, POLLIN, 0};
        const int ready = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            return unknown(std::string("poll: ") + std::strerror(errno));
        if (ready == 0)
            return agent_error{agent_errc::timeout, "the kernel's socket table did not answer within "
                                                        + std::to_string(timeout.count()) + " ms"};
        sockaddr_nl from{};
        socklen_t from_size = sizeof from;
        const ssize_t n = ::recvfrom(fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &from_size);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return unknown(std::string("netlink answer: ") + std::strerror(errno));
        if (from.nl_pid != 0)
            continue; // only the kernel speaks for the socket table
        if (auto answer = read_datagram(buffer, static_cast<std::size_t>(n), asked))
            return *answer;
    }
}

} // namespace tokend::agent
