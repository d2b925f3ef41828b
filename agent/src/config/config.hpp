// SPDX-License-Identifier: MIT
// The agent's configuration as plain aggregates, loaded from TOML (docs/configuration.md). Every error names the file, the line and the key.
#pragma once

#include "secrets/secret_source.hpp"
#include "sys/clock.hpp"
#include "sys/log.hpp"
#include "upstream/endpoint.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tokend::agent {

using namespace std::chrono_literals;

// What one provider needs from the configuration (upstream/providers/registry.hpp): never
// null in a loaded config.
struct provider_descriptor;
const provider_descriptor* default_provider(); // aviate's
std::string_view to_string(const provider_descriptor* p); // its name in the config

enum class oauth2_grant { client_credentials, password };
// Where an oauth2 client puts its id and secret (docs/providers.md, "oauth2").
enum class oauth2_client_auth { auto_detect, basic, post };

// A value that never makes two configs differ: where a profile was written moves with every
// edit above it, and a profile whose settings are the same must keep its token on reload.
template <class T>
struct not_compared {
    T value{};
    bool operator==(const not_compared&) const { return true; }
};

struct profile_config {
    std::string name;
    const provider_descriptor* provider = default_provider();
    endpoint url; // API base; the token endpoint itself for oauth2
    std::string email; // login name (the username for oauth2's password grant)
    std::string api_key;
    std::string client_id;
    std::string scope;
    oauth2_grant grant = oauth2_grant::client_credentials;
    oauth2_client_auth client_auth = oauth2_client_auth::auto_detect;
    secret_source password, api_secret, client_secret, token;
    duration timeout = 10s;
    std::optional<duration> refresh_margin;
    bool allow_insecure_http = false;
    // Where proxied calls go (docs/proxy.md): api_url, else url for the providers whose url is
    // the API's. Not compared: pointing the proxy elsewhere keeps the profile and its token.
    not_compared<std::optional<endpoint>> api_url;
    not_compared<std::string> where; // "path:line" of the [profile.NAME] table

    // The secret that `tok add` supplies and without which the profile is no_credentials.
    const secret_source& primary_secret() const;
    bool operator==(const profile_config& o) const = default; // all but `where`

};

struct agent_settings {
    std::optional<std::string> socket;
    duration refresh_margin = 5min;
    std::optional<log::level> log_level;
    std::size_t max_connections = 1024;
    duration idle_timeout = 5min;
    duration request_timeout = 10s;
};

// One [proxy] listen entry: "unix" (the socket `http` beside the agent's), or a loopback
// address and port (docs/proxy.md).
struct proxy_listen {
    bool unix_socket = false;
    std::string address; // an IP literal, IPv6 without brackets
    unsigned short port = 0; // 0: any free port
    bool operator==(const proxy_listen&) const = default;
};

struct proxy_settings {
    std::vector<proxy_listen> listen; // empty: no proxy
    std::uint64_t replay_limit = 1024 * 1024;
    bool operator==(const proxy_settings&) const = default;
};

struct config {
    std::string path;
    agent_settings agent;
    proxy_settings proxy;
    std::vector<profile_config> profiles;
};

struct config_error {
    std::string message; // "path:line: key: what is wrong"
};
[[noreturn]] void throw_exception_from_error(const config_error& e, const boost::source_location& loc);

template <class T>
using config_result = boost::system::result<T, config_error>;

// The default path: $XDG_CONFIG_HOME/tokend/config.toml, else ~/.config/tokend/config.toml.
std::string default_config_path();

// Reads and validates the file, which must be a regular file owned by us or root that group
// and others cannot write (file_read.hpp); inline secrets are refused when it is readable by
// group or others. Every ca_file is read here, under the same rules. Secret *values* are not
// read here (see secret_source.hpp).
config_result<config> load_config(const std::string& path);
// Same, from text (tests and fuzzing); `mode` stands for the file's permission bits. ca_files
// are read from disk.
config_result<config> parse_config(std::string_view text, const std::string& path, unsigned mode);

} // namespace tokend::agent
