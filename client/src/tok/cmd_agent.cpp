// SPDX-License-Identifier: MIT
// tok status, tok ping, tok reload: the commands about the agent as a whole.
#include "commands.hpp"
#include "output.hpp"
#include "report.hpp"
#include "status_table.hpp"

#include <tok/client.hpp>

namespace tok::cli {
namespace {

// --json: the agent's answer as it is (error answers too); the exit code still tells.
int finish(std::error_code ec, const invocation& inv, std::string& raw)
{
    int code = ec ? report_failure(ec) : exit_ok;
    if (!inv.json || raw.empty())
        return code;
    raw += '\n';
    int rc = print(raw);
    return code != exit_ok ? code : rc;
}

} // namespace

int run_status(const invocation& inv, tok::client& c)
{
    std::string raw;
    std::error_code ec;
    std::string_view profile = inv.operands.empty() ? std::string_view() : inv.operands[0];
    std::vector<profile_status> profiles = c.status(profile, ec, raw);
    if (ec || inv.json)
        return finish(ec, inv, raw);
    if (profiles.empty())
        return print("no profiles are configured\n");
    return print(render_status_table(profiles, std::chrono::system_clock::now()));
}

int run_ping(const invocation& inv, tok::client& c)
{
    std::string raw;
    std::error_code ec;
    agent_info info = c.hello(ec, raw);
    if (ec || inv.json)
        return finish(ec, inv, raw);
    return print(info.agent + " " + info.version + " (protocol " + std::to_string(info.protocol) + ") at "
                 + c.socket_path() + "\n");
}

int run_reload(const invocation& inv, tok::client& c)
{
    std::string raw;
    std::error_code ec;
    c.reload(ec, raw);
    return finish(ec, inv, raw);
}

} // namespace tok::cli
