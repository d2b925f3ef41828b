// SPDX-License-Identifier: MIT
#include "sys/proxy_sockets.hpp"

#include "sys/log.hpp"

#include <tokend/proto/paths.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <chrono>
#include <cstring>

namespace tokend::agent {
namespace {

using proxy_socket_result = boost::system::result<proxy_socket, std::string>;
using asio_tcp = boost::asio::ip::tcp;

proxy_socket_result bind_tcp(const proxy_listen& l)
{
    std::string where = l.address.find(':') != std::string::npos ? "[" : "";
    where.append(l.address).append(l.address.find(':') != std::string::npos ? "]:" : ":").append(std::to_string(l.port));
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(l.address, ec);
    if (ec)
        return "proxy: " + where + ": " + ec.message();
    asio_tcp::endpoint at(address, l.port);
    int fd = ::socket(at.protocol().family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return "proxy: socket: " + std::string(std::strerror(errno));
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); // a restart must not wait out TIME_WAIT
    if (::bind(fd, at.data(), static_cast<socklen_t>(at.size())) != 0 || ::listen(fd, SOMAXCONN) != 0) {
        std::string e = "proxy: cannot listen on " + where + ": " + std::strerror(errno);
        ::close(fd);
        return e;
    }
    proxy_socket s;
    s.fd = fd;
    s.tcp = tcp_address_of(fd, true);
    return s;
}

// `http` beside the agent's socket: the directory was checked (and the agent's lock taken) when
// the agent's socket was bound there. A stale file from a crashed agent is replaced; one that
// something answers on is not.
proxy_socket_result bind_unix(const listening_socket& agent)
{
    std::string path = proto::socket_directory(agent.path) + "/http";
    if (auto problem = socket_path_problem(path))
        return "proxy: " + *problem;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return "proxy: " + path + " exists and is not a socket; refusing to replace it";
        int fd = proto::connect_unix(path, std::chrono::steady_clock::now() + std::chrono::milliseconds(200),
                                     std::chrono::milliseconds(10));
        if (fd >= 0) {
            ::close(fd);
            return "proxy: a process listens on " + path + "; refusing to replace its socket";
        }
        ::unlink(path.c_str());
    }
    auto fd = listen_unix_at(path);
    if (!fd)
        return "proxy: " + fd.error();
    proxy_socket s;
    s.fd = *fd;
    s.path = path;
    if (::lstat(path.c_str(), &st) == 0) {
        s.dev = st.st_dev;
        s.ino = st.st_ino;
    }
    return s;
}

proxy_socket adopt(int fd)
{
    proxy_socket s;
    s.fd = fd;
    s.activated = true;
    s.tcp = tcp_address_of(fd, true);
    if (!s.tcp) {
        sockaddr_un a{};
        socklen_t len = sizeof a;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0 && len > offsetof(sockaddr_un, sun_path))
            s.path.assign(a.sun_path, strnlen(a.sun_path, len - offsetof(sockaddr_un, sun_path)));
    }
    return s;
}

} // namespace

std::optional<asio_tcp::endpoint> tcp_address_of(int fd, bool local)
{
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    int rc = local ? ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len)
                   : ::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len);
    if (rc != 0)
        return std::nullopt;
    if (a.ss_family == AF_INET) {
        const auto& v4 = reinterpret_cast<const sockaddr_in&>(a);
        return asio_tcp::endpoint(boost::asio::ip::address_v4(ntohl(v4.sin_addr.s_addr)), ntohs(v4.sin_port));
    }
    if (a.ss_family == AF_INET6) {
        const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
        boost::asio::ip::address_v6::bytes_type bytes;
        std::memcpy(bytes.data(), &v6.sin6_addr, bytes.size());
        return asio_tcp::endpoint(boost::asio::ip::address_v6(bytes, v6.sin6_scope_id), ntohs(v6.sin6_port));
    }
    return std::nullopt;
}

std::string proxy_socket::name() const
{
    if (!tcp)
        return "unix:" + path;
    auto a = tcp->address();
    std::string out = "tcp:";
    if (a.is_v6())
        out.append("[").append(a.to_string()).append("]");
    else
        out.append(a.to_string());
    return out.append(":").append(std::to_string(tcp->port()));
}

boost::system::result<std::vector<proxy_socket>, std::string> open_proxy_sockets(const proxy_settings& settings,
                                                                                 const listening_socket& agent)
{
    std::vector<proxy_socket> out;
    if (!agent.http_fds.empty()) {
        if (!settings.listen.empty())
            log::info("proxy: socket-activated: [proxy] listen is ignored; systemd's tokend-http.socket decides");
        for (int fd : agent.http_fds)
            out.push_back(adopt(fd));
        return out;
    }
    for (const proxy_listen& l : settings.listen) {
        auto s = l.unix_socket ? bind_unix(agent) : bind_tcp(l);
        if (!s) {
            for (auto& done : out)
                ::close(done.fd);
            remove_proxy_socket_files(out);
            return s.error();
        }
        out.push_back(std::move(*s));
    }
    return out;
}

void remove_proxy_socket_files(const std::vector<proxy_socket>& sockets)
{
    for (const proxy_socket& s : sockets) {
        struct stat now {};
        if (!s.tcp && !s.activated && s.ino != 0 && ::lstat(s.path.c_str(), &now) == 0 && now.st_dev == s.dev
            && now.st_ino == s.ino)
            ::unlink(s.path.c_str());
    }
}

} // namespace tokend::agent
