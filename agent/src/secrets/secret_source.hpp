// SPDX-License-Identifier: MIT
// Where a secret comes from, and reading its value (docs/configuration.md, docs/credentials.md). Inline, _env, _file and _credential are read at load and reload;
// _command runs when a login needs it (see command.hpp), so a slow `pass` never stalls start-up.
#pragma once

#include "secrets/secret.hpp"
#include "sys/error.hpp"

#include <boost/system/result.hpp>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace tokend::agent {

struct profile_config;

// Where one secret comes from: exactly one of NAME, NAME_env, NAME_file, NAME_command,
// NAME_credential (docs/configuration.md).
struct secret_source {
    enum class kind { none, inline_value, env, file, command, credential };
    kind how = kind::none;
    std::string reference; // variable, path, command or credential id; empty for inline
    std::string where;     // "path:line: key", for messages
    std::shared_ptr<const secret> inline_value;
    // Compares the kind of source and what it names, not where it was written nor the value.
    bool operator==(const secret_source& o) const { return how == o.how && reference == o.reference; }
};

// The values of one profile's secrets that could be read without running anything.
struct profile_secrets {
    std::optional<secret> password, api_secret, client_secret, token;

    std::optional<secret>& slot(const secret_source& s, const profile_config& p);
    profile_secrets clone() const;
};

// Reads one secret. nullopt for `none` and for `command` sources (deferred). Errors are
// agent_errc::secret; their detail names the config line and says what to fix, never the secret.
boost::system::result<std::optional<secret>, agent_error> read_secret(const secret_source& s);

// The secret files read during one load or reload: a file that several profiles name is read
// once, so they all get the same content (and 10,000 profiles sharing one start quickly).
class secret_file_cache {
public:
    boost::system::result<std::optional<secret>, agent_error> read(const secret_source& s);

private:
    std::unordered_map<std::string, secret> files_;
};

boost::system::result<profile_secrets, agent_error> read_profile_secrets(const profile_config& p,
                                                                        secret_file_cache& files);

// The first line of `text` (without "\r\n"), which is what every source yields.
std::string_view first_line(std::string_view text);

} // namespace tokend::agent
