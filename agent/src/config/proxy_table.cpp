// SPDX-License-Identifier: MIT
#include "config/proxy_table.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace tokend::agent::config_detail {
namespace {

constexpr std::size_t max_listeners = 16;

bool loopback_literal(const std::string& address, bool v6)
{
    unsigned char raw[sizeof(in6_addr)];
    if (inet_pton(v6 ? AF_INET6 : AF_INET, address.c_str(), raw) != 1)
        return false;
    if (!v6)
        return raw[0] == 127;
    static constexpr unsigned char loopback6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return std::equal(std::begin(loopback6), std::end(loopback6), raw);
}

config_result<void> read_listen(const context& cx, const toml::node& v, proxy_settings& out)
{
    const toml::array* list = v.as_array();
    if (!list)
        return error_at(cx, v.source(), "proxy.listen", "expected a list such as [\"unix\", \"127.0.0.1:8787\"]");
    if (list->size() > max_listeners)
        return error_at(cx, v.source(), "proxy.listen", "at most 16 listeners");
    out.listen.clear();
    for (const toml::node& item : *list) {
        auto text = read_string(cx, item, "proxy.listen");
        if (!text) return text.error();
        std::string why;
        auto entry = parse_proxy_listen(*text, why);
        if (!entry) return error_at(cx, item.source(), "proxy.listen", why);
        if (std::find(out.listen.begin(), out.listen.end(), *entry) != out.listen.end())
            return error_at(cx, item.source(), "proxy.listen", "\"" + *text + "\" is listed twice");
        out.listen.push_back(std::move(*entry));
    }
    return {};
}

} // namespace

std::optional<proxy_listen> parse_proxy_listen(std::string_view text, std::string& why)
{
    if (text == "unix")
        return proxy_listen{.unix_socket = true, .address = {}, .port = 0};
    const std::string shape = "expected \"unix\" or a loopback address and port such as \"127.0.0.1:8787\" or "
                              "\"[::1]:8787\"";
    bool v6 = text.starts_with('[');
    std::size_t close = v6 ? text.find("]:") : text.rfind(':');
    if (close == std::string_view::npos || close == 0) {
        why = shape;
        return std::nullopt;
    }
    proxy_listen l;
    l.address = std::string(v6 ? text.substr(1, close - 1) : text.substr(0, close));
    std::string_view port = text.substr(close + (v6 ? 2 : 1));
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535) {
        why = shape + " (the port is 0 to 65535; 0 picks a free one)";
        return std::nullopt;
    }
    l.port = static_cast<unsigned short>(value);
    if (!loopback_literal(l.address, v6)) {
        why.assign(text).append(" is not a loopback address (127.0.0.0/8 or [::1]); the proxy spends your "
                                "credentials for whoever reaches it, so it listens on loopback only");
        return std::nullopt;
    }
    return l;
}

config_result<void> read_proxy(const context& cx, const toml::table& t, proxy_settings& out)
{
    for (auto&& [k, v] : t) {
        std::string key(k.str());
        if (key == "listen") {
            if (auto r = read_listen(cx, v, out); !r) return r;
        } else if (key == "replay_limit") {
            auto i = v.as_integer();
            if (!i || i->get() < 0 || i->get() > 1024 * 1024 * 1024)
                return error_at(cx, v.source(), "proxy.replay_limit", "expected bytes, an integer from 0 to 1073741824");
            out.replay_limit = static_cast<std::uint64_t>(i->get());
        } else {
            return error_at(cx, k.source(), "proxy." + key, "unknown key");
        }
    }
    return {};
}

} // namespace tokend::agent::config_detail
