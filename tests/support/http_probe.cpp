// SPDX-License-Identifier: MIT
#include "http_probe.hpp"

#include <openssl/evp.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>

namespace tokend::test {
// Named, not anonymous: a unity build merges this file with the other support files.
namespace probe_detail {

bool iequals(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return std::string(s);
}

int connect_to(const std::string& address)
{
    if (address.starts_with("unix:")) {
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, address.c_str() + 5, sizeof addr.sun_path - 1);
        if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
            return fd;
        if (fd >= 0)
            ::close(fd);
        return -1;
    }
    if (!address.starts_with("tcp:"))
        return -1;
    std::string hostport = address.substr(4);
    auto colon = hostport.rfind(':');
    std::string host = hostport.substr(0, colon);
    int port = std::stoi(hostport.substr(colon + 1));
    bool v6 = host.starts_with('[');
    int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = -1;
    if (v6) {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(static_cast<uint16_t>(port));
        ::inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a.sin6_addr);
        rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    } else {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
        rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    if (rc == 0)
        return fd;
    ::close(fd);
    return -1;
}

} // namespace probe_detail

std::optional<std::string> http_response::header(std::string_view name) const
{
    for (const auto& [k, v] : headers)
        if (probe_detail::iequals(k, name))
            return v;
    return std::nullopt;
}

std::size_t http_response::header_count(std::string_view name) const
{
    return static_cast<std::size_t>(
        std::count_if(headers.begin(), headers.end(), [&](const auto& h) { return probe_detail::iequals(h.first, name); }));
}

http_probe::http_probe(const std::string& address)
    : fd_(probe_detail::connect_to(address))
{
}

http_probe::~http_probe()
{
    if (fd_ >= 0)
        ::close(fd_);
}

http_probe::http_probe(http_probe&& other) noexcept
    : fd_(std::exchange(other.fd_, -1))
    , buf_(std::move(other.buf_))
    , pos_(std::exchange(other.pos_, 0))
{
}

bool http_probe::send(std::string_view bytes)
{
    while (!bytes.empty()) {
        ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

bool http_probe::fill(deadline until)
{
    if (pos_ > 0 && pos_ * 2 >= buf_.size()) {
        buf_.erase(0, pos_);
        pos_ = 0;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()).count();
    pollfd p{fd_, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0)
        return false;
    char chunk[256 * 1024];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0)
        return false;
    buf_.append(chunk, static_cast<std::size_t>(n));
    return true;
}

std::optional<std::string> http_probe::line(deadline until)
{
    for (;;) {
        auto crlf = buf_.find("\r\n", pos_);
        if (crlf != std::string::npos) {
            std::string out = buf_.substr(pos_, crlf - pos_);
            pos_ = crlf + 2;
            return out;
        }
        if (buf_.size() - pos_ > 1024 * 1024 || !fill(until))
            return std::nullopt;
    }
}

bool http_probe::read_head(http_response& r, deadline until, bool stop_at_interim)
{
    for (;;) {
        auto status_line = line(until);
        int status = 0;
        if (!status_line || std::sscanf(status_line->c_str(), "HTTP/1.%*d %d", &status) != 1)
            return false;
        r.headers.clear();
        for (;;) {
            auto h = line(until);
            if (!h)
                return false;
            if (h->empty())
                break;
            auto colon = h->find(':');
            if (colon == std::string::npos)
                return false;
            r.headers.emplace_back(h->substr(0, colon), probe_detail::trim(std::string_view(*h).substr(colon + 1)));
        }
        if (status >= 200 || status == 101 || stop_at_interim) {
            r.status = status;
            return true;
        }
        r.interim.push_back(status);
    }
}

void http_probe::take(std::size_t n, http_response& r, const body_sink& sink)
{
    std::string_view piece(buf_.data() + pos_, n);
    if (sink)
        sink(piece);
    else
        r.body.append(piece);
    r.body_bytes += n;
    pos_ += n;
}

bool http_probe::read_sized(std::size_t n, http_response& r, const body_sink& sink, deadline until)
{
    while (n > 0) {
        if (pos_ == buf_.size() && !fill(until))
            return false;
        std::size_t k = std::min(n, buf_.size() - pos_);
        take(k, r, sink);
        n -= k;
    }
    return true;
}

bool http_probe::read_chunked(http_response& r, const body_sink& sink, deadline until)
{
    r.chunked = true;
    for (;;) {
        auto size_line = line(until);
        if (!size_line)
            return false;
        std::size_t size = 0;
        try {
            size = std::stoull(*size_line, nullptr, 16);
        } catch (const std::exception&) {
            return false;
        }
        if (size == 0)
            break;
        if (!read_sized(size, r, sink, until))
            return false;
        auto crlf = line(until);
        if (!crlf || !crlf->empty())
            return false;
    }
    for (;;) { // trailers, then the empty line
        auto t = line(until);
        if (!t)
            return false;
        if (t->empty())
            return true;
    }
}

bool http_probe::read_to_eof(http_response& r, const body_sink& sink, deadline until)
{
    for (;;) {
        if (pos_ < buf_.size())
            take(buf_.size() - pos_, r, sink);
        if (!fill(until))
            return std::chrono::steady_clock::now() < until;
    }
}

std::optional<http_response> http_probe::read_response(std::chrono::milliseconds timeout, const body_sink& sink)
{
    auto until = std::chrono::steady_clock::now() + timeout;
    http_response r;
    if (fd_ < 0 || !read_head(r, until))
        return std::nullopt;
    bool ok = true;
    auto te = r.header("Transfer-Encoding");
    auto cl = r.header("Content-Length");
    if (r.status == 204 || r.status == 304)
        ok = true;
    else if (te && te->find("chunked") != std::string::npos)
        ok = read_chunked(r, sink, until);
    else if (cl)
        ok = read_sized(std::stoull(*cl), r, sink, until);
    else
        ok = read_to_eof(r, sink, until);
    if (!ok)
        return std::nullopt;
    return r;
}

std::optional<http_response> http_probe::read_interim(std::chrono::milliseconds timeout)
{
    http_response r;
    if (fd_ < 0 || !read_head(r, std::chrono::steady_clock::now() + timeout, true))
        return std::nullopt;
    return r;
}

bool http_probe::wait_closed(std::chrono::milliseconds timeout)
{
    auto until = std::chrono::steady_clock::now() + timeout;
    while (fill(until))
        pos_ = buf_.size();
    return std::chrono::steady_clock::now() < until;
}

std::string http_request(const std::string& method, const std::string& target, const std::string& host,
                         const std::vector<std::string>& headers, const std::string& body)
{
    std::string req = method + " " + target + " HTTP/1.1\r\n";
    if (!host.empty())
        req += "Host: " + host + "\r\n";
    for (const auto& h : headers)
        req += h + "\r\n";
    if (!body.empty() || method == "POST" || method == "PUT")
        req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    return req + "\r\n" + body;
}

struct sha256::impl {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~impl() { EVP_MD_CTX_free(ctx); }
};

sha256::sha256()
    : impl_(std::make_unique<impl>())
{
    EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr);
}

sha256::~sha256() = default;

void sha256::update(std::string_view bytes) { EVP_DigestUpdate(impl_->ctx, bytes.data(), bytes.size()); }

std::string sha256::hex()
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(impl_->ctx, md, &len);
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out += digits[md[i] >> 4];
        out += digits[md[i] & 15];
    }
    return out;
}

std::string sha256_hex(std::string_view bytes)
{
    sha256 h;
    h.update(bytes);
    return h.hex();
}

} // namespace tokend::test
