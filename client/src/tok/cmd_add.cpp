// SPDX-License-Identifier: MIT
// tok add: hands a password to the agent. Never from argv: /dev/tty without echo, or --stdin.
#include "commands.hpp"
#include "output.hpp"
#include "password.hpp"
#include "report.hpp"

#include "session.hpp"

#include "wipe.hpp"

#include <unistd.h>

#include <cstdio>

namespace tok::cli {

int run_add(const invocation& inv, detail::session& s)
{
    const std::string& profile = inv.operands[0];
    struct wiped {
        std::string text;
        ~wiped() { wipe(text); }
    } password;
    std::string error = inv.read_stdin ? read_password_line(STDIN_FILENO, password.text)
                                       : read_password_from_tty("Password for profile '" + profile + "': ", password.text);
    if (!error.empty())
        return report(exit_error, error);
    if (password.text.empty())
        return report(exit_usage, "empty password; nothing was sent");

    std::string raw;
    auto ec = s.add(profile, password.text, inv.json ? &raw : nullptr);
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
