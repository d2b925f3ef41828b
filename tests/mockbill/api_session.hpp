// SPDX-License-Identifier: MIT
// Serves one /_api/ request on a connection: reads its body as it streams (hashing it, up to
// 2^40 bytes, in bounded pieces), applies a queued fault, answers or streams the bytes
// download with backpressure, and records the call. Instantiated for HTTP and HTTPS.
#pragma once

#include "transport.hpp"

#include <cstdint>

namespace mockbill {

class state;

struct api_context {
    state& st;
    const server_options& opts;
    std::uint64_t connection; // serial of the TCP connection, for the call log
};

// `head` has read the request's header (body limit api_body_limit). Returns false when the
// connection is finished.
template <class Stream>
asio::awaitable<bool> serve_api(Stream& stream, beast::flat_buffer& buffer, head_parser& head,
                                api_context ctx);

extern template asio::awaitable<bool> serve_api(plain_stream&, beast::flat_buffer&, head_parser&, api_context);
extern template asio::awaitable<bool> serve_api(tls_stream&, beast::flat_buffer&, head_parser&, api_context);

} // namespace mockbill
