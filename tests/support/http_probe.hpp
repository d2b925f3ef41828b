// SPDX-License-Identifier: MIT
// A tiny blocking HTTP/1.1 client for the proxy tests: it sends whatever bytes a test writes
// (well-formed or not) over TCP or a Unix socket and reads answers back, with the headers as
// received and the body either kept or handed to a sink as it arrives (for transfers far
// larger than memory should hold). Plus SHA-256, to compare bodies without keeping them.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tokend::test {

using namespace std::chrono_literals;

struct http_response {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers; // in order, names as sent
    std::string body;                                       // empty when a sink took it
    std::size_t body_bytes = 0;
    bool chunked = false;
    std::vector<int> interim; // 1xx statuses that came before this answer

    // The first header of that name (case-insensitive).
    std::optional<std::string> header(std::string_view name) const;
    std::size_t header_count(std::string_view name) const;
};

class http_probe {
public:
    // `address` as hello's proxy list spells it: "tcp:127.0.0.1:8787", "tcp:[::1]:8787",
    // "unix:/path/to/http". Check connected() before use.
    explicit http_probe(const std::string& address);
    ~http_probe();
    http_probe(http_probe&& other) noexcept;
    http_probe& operator=(http_probe&&) = delete;
    http_probe(const http_probe&) = delete;

    bool connected() const { return fd_ >= 0; }
    // Blocking: all of `bytes`; false once the peer closed or reset the connection.
    bool send(std::string_view bytes);
    // One answer (1xx answers skipped and recorded). Without a sink the body is kept in
    // `body`. nullopt when the connection ended or `timeout` passed before the answer was whole.
    using body_sink = std::function<void(std::string_view)>;
    std::optional<http_response> read_response(std::chrono::milliseconds timeout = 10s, const body_sink& sink = {});
    // The next answer head even when it is a 1xx (whose head is all there is); nullopt on
    // timeout. For a final answer, read its body with read_response's framing: use only for 1xx.
    std::optional<http_response> read_interim(std::chrono::milliseconds timeout = 5s);
    // Waits for the peer to close (EOF or reset), discarding what arrives; false on timeout.
    bool wait_closed(std::chrono::milliseconds timeout = 5s);

private:
    using deadline = std::chrono::steady_clock::time_point;
    bool fill(deadline until);                         // reads more into buf_; false on EOF/timeout
    std::optional<std::string> line(deadline until);   // one CRLF-terminated line, without it
    bool read_head(http_response& r, deadline until, bool stop_at_interim = false);
    bool read_sized(std::size_t n, http_response& r, const body_sink& sink, deadline until);
    bool read_chunked(http_response& r, const body_sink& sink, deadline until);
    bool read_to_eof(http_response& r, const body_sink& sink, deadline until);
    void take(std::size_t n, http_response& r, const body_sink& sink);

    int fd_ = -1;
    std::string buf_;
    std::size_t pos_ = 0; // first unread byte of buf_
};

// "METHOD TARGET HTTP/1.1", Host (unless `host` is empty), the header lines as given and,
// when there is a body or the method is POST/PUT, Content-Length.
std::string http_request(const std::string& method, const std::string& target, const std::string& host,
                         const std::vector<std::string>& headers = {}, const std::string& body = {});

// Incremental SHA-256; hex() ends it.
class sha256 {
public:
    sha256();
    ~sha256();
    sha256(const sha256&) = delete;
    sha256& operator=(const sha256&) = delete;
    void update(std::string_view bytes);
    std::string hex();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};
std::string sha256_hex(std::string_view bytes);

} // namespace tokend::test
