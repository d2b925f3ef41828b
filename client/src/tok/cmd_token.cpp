// SPDX-License-Identifier: MIT
// tok header, tok token, tok invalidate: the commands about one profile's token.
#include "commands.hpp"
#include "output.hpp"
#include "report.hpp"

#include "session.hpp"

#include "wipe.hpp"

namespace tok::cli {
namespace {

// The raw answer of a get holds the token: wiped whatever happens.
struct secret_text {
    std::string text;
    ~secret_text() { wipe(text); }
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
int with_token(const invocation& inv, detail::session& s, Print print)
{
    tok::token t;
    secret_text raw;
    auto ec = s.get(inv.operands[0], {}, t, inv.json ? &raw.text : nullptr);
    int code = ec ? report_failure(ec) : exit_ok;
    if (inv.json)
        return print_raw_and(code, raw.text);
    if (ec)
        return code;
    return print(t);
}

} // namespace

int run_header(const invocation& inv, detail::session& s)
{
    return with_token(inv, s, [](const tok::token& t) {
        secret_text out;
        for (const auto& [name, value] : t.headers) // Authorization comes first (session sorts it)
            out.text.append(name).append(": ").append(value).append("\n");
        return print_secret(out.text);
    });
}

int run_token(const invocation& inv, detail::session& s)
{
    return with_token(inv, s, [](const tok::token& t) {
        secret_text out{t.value + "\n"};
        return print_secret(out.text);
    });
}

// Without --token-id the agent drops whatever token is current: one request, no login is
// triggered just to learn the current id, and the agent's once-per-second limit keeps
// repeated calls harmless. --token-id makes it conditional (a no-op once replaced).
int run_invalidate(const invocation& inv, detail::session& s)
{
    std::string raw;
    auto ec = s.invalidate(inv.operands[0], inv.token_id, inv.json ? &raw : nullptr);
    int code = ec ? report_failure(ec) : exit_ok;
    if (inv.json)
        return print_raw_and(code, raw);
    return code;
}

} // namespace tok::cli
