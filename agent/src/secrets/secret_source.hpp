// SPDX-License-Identifier: MIT
// Reading secret values from the sources a profile names (contract, "Config";
// docs/credentials.md). Inline, _env, _file and _credential are read at load and reload;
// _command runs when a login needs it (see command.hpp), so a slow `pass` never stalls start-up.
#pragma once

#include "config/config.hpp"
#include "secrets/secret.hpp"

#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <unordered_map>

namespace tokend::agent {

// The values of one profile's secrets that could be read without running anything.
struct profile_secrets {
    std::optional<secret> password, api_secret, client_secret, token;

    std::optional<secret>& slot(const secret_source& s, const profile_config& p);
    profile_secrets clone() const;
};

// Reads one secret. nullopt for `none` and for `command` sources (deferred). Errors name the
// config line and say what to fix; they never contain the secret.
boost::system::result<std::optional<secret>, std::string> read_secret(const secret_source& s);

// The secret files read during one load or reload: a file that several profiles name is read
// once, so they all get the same content (and 10,000 profiles sharing one start quickly).
class secret_file_cache {
public:
    boost::system::result<std::optional<secret>, std::string> read(const secret_source& s);

private:
    std::unordered_map<std::string, secret> files_;
};

boost::system::result<profile_secrets, std::string> read_profile_secrets(const profile_config& p,
                                                                        secret_file_cache& files);

// The first line of `text` (without "\r\n"), which is what every source yields.
std::string_view first_line(std::string_view text);

} // namespace tokend::agent
