// SPDX-License-Identifier: MIT
#include "proxy/error_reply.hpp"

#include <tokend/proto/json_text.hpp>

#include <boost/beast/http/status.hpp>

namespace tokend::agent::proxy {

std::string render(const error_reply& e, bool keep_alive)
{
    std::string body = "{\"error\":{\"code\":\"";
    body.append(proto::to_string(e.code)).append("\",\"message\":");
    proto::append_json_string(body, e.message);
    body.append("}}");

    std::string out = "HTTP/1.1 " + std::to_string(e.status) + " ";
    out.append(boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(e.status)));
    out.append("\r\nX-Tokend-Error: ").append(proto::to_string(e.code));
    out.append("\r\nContent-Type: application/json\r\nContent-Length: ").append(std::to_string(body.size()));
    if (e.retry_after)
        out.append("\r\nRetry-After: ").append(std::to_string(*e.retry_after));
    if (!keep_alive)
        out.append("\r\nConnection: close");
    out.append("\r\n\r\n").append(body);
    return out;
}

} // namespace tokend::agent::proxy
