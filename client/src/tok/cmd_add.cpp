// SPDX-License-Identifier: MIT
// tok add: hands a password to the agent. Never from argv: /dev/tty without echo, or --stdin.
#include "commands.hpp"
#include "output.hpp"
#include "password.hpp"
#include "report.hpp"

#include <tok/client.hpp>

#include <tokend/proto/wipe.hpp>

#include <unistd.h>

#include <cstdio>

namespace tok::cli {

int run_add(const invocation& inv, tok::client& c)
{
    const std::string& profile = inv.operands[0];
    struct wiped {
        std::string text;
        ~wiped() { tokend::proto::secure_wipe(text); }
    } password;
    std::string error = inv.read_stdin ? read_password_line(STDIN_FILENO, password.text)
                                       : read_password_from_tty("Password for profile '" + profile + "': ", password.text);
    if (!error.empty())
        return report(exit_error, error);
    if (password.text.empty())
        return report(exit_usage, "empty password; nothing was sent");

    std::string raw;
    std::error_code ec;
    c.add(profile, password.text, ec, raw);
    int code = ec ? report_failure(ec) : exit_ok;
    if (inv.json && !raw.empty()) {
        raw += '\n';
        int rc = print(raw);
        return code != exit_ok ? code : rc;
    }
    if (!ec && !inv.read_stdin)
        std::fprintf(stderr, "Password for '%s' handed to tokend (kept in its memory only).\n", profile.c_str());
    return code;
}

} // namespace tok::cli
