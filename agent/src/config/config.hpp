// SPDX-License-Identifier: MIT
// The agent's configuration as plain aggregates, loaded from TOML (contract, "Config";
// docs/configuration.md). Every error names the file, the line and the key.
#pragma once

#include "sys/clock.hpp"
#include "sys/log.hpp"
#include "secrets/secret.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tokend::agent {

using namespace std::chrono_literals;

enum class provider_kind { aviate, killb, novabilling, oauth2, static_token };
std::string_view to_string(provider_kind p);

enum class oauth2_grant { client_credentials, password };
// Where an oauth2 client puts its id and secret (docs/providers.md, "oauth2").
enum class oauth2_client_auth { auto_detect, basic, post };

// Where one secret comes from (contract: exactly one of NAME, NAME_env, NAME_file,
// NAME_command, NAME_credential).
struct secret_source {
    enum class kind { none, inline_value, env, file, command, credential };
    kind how = kind::none;
    std::string reference; // variable, path, command or credential id; empty for inline
    std::string where;     // "path:line: key", for messages
    std::shared_ptr<const secret> inline_value;
    bool operator==(const secret_source& o) const { return how == o.how && reference == o.reference; }
};

// A ca_file as read at load or reload, never at a login (a FIFO there would stall the event
// loop): the transport trusts these certificates besides the system store.
struct ca_bundle {
    std::string path;
    std::string pem;
};

// An upstream base URL, checked at load time.
struct endpoint {
    bool tls = true;
    // Plain http:// without allow_insecure_http: connect only to loopback addresses, whatever
    // the host name resolves to (docs/configuration.md, "Plain http").
    bool loopback_only = false;
    std::string host;
    std::string port;
    std::string path; // without a trailing '/'
    std::shared_ptr<const ca_bundle> ca; // extra trust anchor; null for the system store only
    // Compares the ca_file by path: a reload that re-reads a changed file keeps the profile
    // (and its token) and the next connection trusts the new contents.
    bool operator==(const endpoint& o) const
    {
        return tls == o.tls && loopback_only == o.loopback_only && host == o.host && port == o.port && path == o.path
               && (ca ? ca->path : std::string()) == (o.ca ? o.ca->path : std::string());
    }
};

struct profile_config {
    std::string name;
    provider_kind provider = provider_kind::aviate;
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
    std::string where; // "path:line" of the [profile.NAME] table

    // The secret that `tok add` supplies and without which the profile is no_credentials.
    const secret_source& primary_secret() const;
    bool operator==(const profile_config& o) const; // ignores `where`
};

struct agent_settings {
    std::optional<std::string> socket;
    duration refresh_margin = 5min;
    std::optional<log::level> log_level;
    std::size_t max_connections = 1024;
    duration idle_timeout = 5min;
    duration request_timeout = 10s;
};

struct config {
    std::string path;
    agent_settings agent;
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
