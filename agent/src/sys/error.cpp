// SPDX-License-Identifier: MIT
#include "sys/error.hpp"

#include <boost/throw_exception.hpp>

#include <stdexcept>

namespace tokend::agent {
namespace {

class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "tokend.agent"; }
    std::string message(int ev) const override
    {
        switch (static_cast<agent_errc>(ev)) {
        case agent_errc::config: return "configuration error";
        case agent_errc::secret: return "cannot read a secret";
        case agent_errc::command: return "secret command failed";
        case agent_errc::dns: return "cannot resolve the upstream host";
        case agent_errc::transport: return "upstream connection failed";
        case agent_errc::tls: return "TLS failure";
        case agent_errc::timeout: return "timed out";
        case agent_errc::not_loopback: return "plain http to a host beyond loopback";
        case agent_errc::cancelled: return "cancelled";
        case agent_errc::peer_unknown: return "cannot tell who owns the peer's socket";
        case agent_errc::busy: return "too busy";
        }
        return "unknown agent error";
    }
};

} // namespace

const boost::system::error_category& agent_category() noexcept
{
    static const category c;
    return c;
}

void throw_exception_from_error(const agent_error& e, const boost::source_location& loc)
{
    boost::throw_exception(std::runtime_error(e.detail), loc);
}

} // namespace tokend::agent
