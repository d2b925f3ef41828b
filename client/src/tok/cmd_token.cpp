// SPDX-License-Identifier: MIT
// tok header, tok token, tok invalidate: the commands about one profile's token.
#include "commands.hpp"
#include "output.hpp"
#include "report.hpp"

#include <tok/client.hpp>
#include <tokend/proto/wipe.hpp>

namespace tok::cli {
namespace {

// The raw answer of a get holds the token: wiped whatever happens.
struct secret_text {
    std::string text;
    ~secret_text() { tokend::proto::secure_wipe(text); }
};

// With --json the agent's answer is printed as it is, error answers included, so that
// scripts get the code and message in a parseable form; the exit code still tells.
int print_raw_and(int code, std::string& raw)
{
    if (raw.empty())
        return code;
    raw += '\n';
    int rc = print_secret(raw);
    return code != exit_ok ? code : rc;
}

// Gets the profile's token and hands it to `print`; with --json, or on an error, the answer
// or the error is reported instead.
template <class Print>
int with_token(const invocation& inv, tok::client& c, Print print)
{
    secret_text raw;
    std::error_code ec;
    // Without --json no copy of the answer (it holds the token) is made at all.
    tok::token t = inv.json ? c.get(inv.operands[0], {}, ec, raw.text) : c.get(inv.operands[0], {}, ec);
    int code = ec ? report_failure(ec) : exit_ok;
    if (inv.json)
        return print_raw_and(code, raw.text);
    if (ec)
        return code;
    return print(t);
}

} // namespace

int run_header(const invocation& inv, tok::client& c)
{
    return with_token(inv, c, [](const tok::token& t) {
        secret_text out;
        for (const auto& [name, value] : t.headers) // Authorization comes first (libtok sorts it)
            out.text.append(name).append(": ").append(value).append("\n");
        return print_secret(out.text);
    });
}

int run_token(const invocation& inv, tok::client& c)
{
    return with_token(inv, c, [](const tok::token& t) {
        secret_text out{t.value + "\n"};
        return print_secret(out.text);
    });
}

// Without --token-id the agent drops whatever token is current: one request, no login is
// triggered just to learn the current id, and the agent's once-per-second limit keeps
// repeated calls harmless. --token-id makes it conditional (a no-op once replaced).
int run_invalidate(const invocation& inv, tok::client& c)
{
    std::string raw;
    std::error_code ec;
    c.invalidate(inv.operands[0], inv.token_id, ec, raw);
    int code = ec ? report_failure(ec) : exit_ok;
    if (inv.json)
        return print_raw_and(code, raw);
    return code;
}

} // namespace tok::cli
