// SPDX-License-Identifier: MIT
// tok exec: replaces tok with the command (no fork), its environment carrying the token, so
// signals, job control and the exit code are the command's own, as if it ran directly.
#include "commands.hpp"
#include "report.hpp"

#include <tok/client.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace tok::cli {

int run_exec(const invocation& inv, tok::client& c)
{
    std::error_code ec;
    tok::token t = c.get(inv.operands[0], ec);
    if (ec)
        return report_failure(ec);
    std::string authorization = "Bearer " + t.value;
    for (const auto& [name, value] : t.headers)
        if (name == "Authorization")
            authorization = value;
    if (::setenv("TOK_TOKEN", t.value.c_str(), 1) != 0 || ::setenv("TOK_AUTHORIZATION", authorization.c_str(), 1) != 0)
        return report(exit_error, std::string("setting the environment: ") + std::strerror(errno));

    std::vector<char*> argv;
    for (const auto& a : inv.passthrough)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());

    // Only reached when exec failed: the shell's conventions, 127 not found, 126 not runnable.
    int e = errno;
    if (e == ENOENT)
        return report(127, inv.passthrough[0] + ": command not found");
    return report(126, inv.passthrough[0] + ": " + std::strerror(e));
}

} // namespace tok::cli
