// SPDX-License-Identifier: MIT
// The agent's own failures as values: a code that callers and tests branch on, and a detail
// sentence for people. The text users see (logs, `tok status`, wire messages) is built from
// the detail where it leaves the agent, never parsed back.
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <type_traits>

namespace tokend::agent {

enum class agent_errc {
    config = 1,    // the configuration (a URL, a ca_file, a key) is wrong
    secret,        // a secret source could not be read (variable, file, credential)
    command,       // a *_command failed: exit status, signal, no output, cannot start
    dns,           // the upstream host name did not resolve
    transport,     // connecting, sending or reading failed, or the answer was cut short
    tls,           // no trust store, a certificate or host name refused, a handshake failed
    timeout,       // a resolve, an exchange or a command ran out of time
    not_loopback,  // plain http to a name that resolves beyond loopback (docs/configuration.md)
    cancelled,     // the operation was cut short by a stop or a reload
    peer_unknown,  // the owner of a TCP peer's socket could not be read (proxy/peer_uid.hpp)
    busy,          // a bound was reached (the proxy's connections per profile)
};

const boost::system::error_category& agent_category() noexcept;

inline boost::system::error_code make_error_code(agent_errc e) noexcept
{
    return {static_cast<int>(e), agent_category()};
}

struct agent_error {
    agent_errc code = agent_errc::config;
    std::string detail; // a sentence that names what failed; never a secret

    // The human message, for logs, status and wire messages.
    const std::string& message() const noexcept { return detail; }
    bool is(agent_errc c) const noexcept { return code == c; }
};

// For boost::system::result<T, agent_error>::value().
[[noreturn]] void throw_exception_from_error(const agent_error& e, const boost::source_location& loc);

} // namespace tokend::agent

template <>
struct boost::system::is_error_code_enum<tokend::agent::agent_errc> : std::true_type {};
