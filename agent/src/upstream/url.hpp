// SPDX-License-Identifier: MIT
// Upstream URLs: http(s)://host[:port][/path], with plain http only to loopback hosts unless
// the profile says allow_insecure_http (a password must not cross a network in clear text).
#pragma once

#include "config/config.hpp"

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace tokend::agent {

boost::system::result<endpoint, std::string> parse_endpoint(std::string_view url, bool allow_insecure_http);

bool is_loopback_host(std::string_view host);

// "https://host:port/path" for messages; never carries credentials.
std::string to_string(const endpoint& e);

} // namespace tokend::agent
