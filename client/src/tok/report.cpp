// SPDX-License-Identifier: MIT
#include "report.hpp"

#include "output.hpp"

#include <tok/client.hpp>

#include <cstdio>

namespace tok::cli {

int exit_code_for(std::error_code ec) noexcept
{
    if (!ec)
        return exit_ok;
    if (ec.category() != tok::error_category())
        return exit_error;
    switch (static_cast<tok::errc>(ec.value())) {
    case tok::errc::agent_unreachable: return exit_unreachable;
    case tok::errc::unknown_profile: return exit_unknown_profile;
    case tok::errc::no_credentials:
    case tok::errc::credentials_rejected: return exit_credentials;
    case tok::errc::upstream_unavailable: return exit_upstream;
    case tok::errc::timeout: return exit_timeout;
    default: return exit_error;
    }
}

std::string failure_line(std::error_code ec, std::string_view message)
{
    std::string line = "tok: ";
    // The message may be the agent's or an upstream's words: no terminal escapes through it.
    line += message.empty() ? ec.message() : printable(message);
    if (ec == tok::errc::agent_unreachable && message.starts_with("tokend is not running"))
        line += ": start it with `systemctl --user start tokend.socket`";
    else if (ec == tok::errc::agent_unreachable)
        line += ": is tokend running? see `systemctl --user status tokend`";
    else if (ec == tok::errc::timeout && message.starts_with("no answer from tokend"))
        line += " (see `systemctl --user status tokend`, or raise --timeout)";
    else if (ec == tok::errc::permission_denied && message.starts_with("cannot connect to"))
        line += " (tokend serves only its own user)";
    return line;
}

int report_failure(std::error_code ec)
{
    std::string line = failure_line(ec, tok::client::last_error_message());
    line += '\n';
    std::fputs(line.c_str(), stderr);
    return exit_code_for(ec);
}

int report_usage(std::string_view message)
{
    std::fprintf(stderr, "tok: %.*s\nTry `tok --help`.\n", static_cast<int>(message.size()), message.data());
    return exit_usage;
}

int report(int code, std::string_view message)
{
    std::fprintf(stderr, "tok: %.*s\n", static_cast<int>(message.size()), message.data());
    return code;
}

} // namespace tok::cli
