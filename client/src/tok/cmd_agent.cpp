// SPDX-License-Identifier: MIT
// tok status, tok ping, tok reload, tok url: the commands about the agent as a whole.
#include "commands.hpp"
#include "output.hpp"
#include "proxy_url.hpp"
#include "report.hpp"
#include "status_table.hpp"

#include <tok/client.hpp>
#include <tokend/proto/codec.hpp>

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

int run_url(const invocation& inv, tok::client& c)
{
    std::string raw;
    std::error_code ec;
    const std::string& profile = inv.operands[0];
    c.status(profile, ec, raw); // an unknown profile fails here, as everywhere (exit 4)
    if (ec)
        return finish(ec, inv, raw);
    c.hello(ec, raw);
    if (ec)
        return finish(ec, inv, raw);
    // libtok's agent_info is fixed by its ABI; the proxy list is read from the raw answer.
    auto hello = tokend::proto::decode_hello_answer(raw);
    proxy_url_result url = hello ? proxy_url(hello->proxy, profile)
                                 : proxy_url_result{std::nullopt, "malformed answer from the agent"};
    if (inv.json) // the answer as it is; the exit code still tells whether there is a URL
        if (int rc = finish(ec, inv, raw); rc != exit_ok)
            return rc;
    if (!url.url)
        return report(exit_error, url.error);
    return inv.json ? exit_ok : print(*url.url + "\n");
}

} // namespace tok::cli
