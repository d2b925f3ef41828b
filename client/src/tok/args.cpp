// SPDX-License-Identifier: MIT
// A hand-written parser rather than getopt_long: getopt permutes arguments, and curl's and
// exec's arguments must reach them untouched and in order.
#include "args.hpp"

#include <tokend/proto/duration.hpp>

#include <array>
#include <utility>

namespace tok::cli {
namespace {

constexpr std::array<std::pair<std::string_view, command>, 11> names = {{
    {"help", command::help},     {"header", command::header},         {"token", command::token},
    {"curl", command::curl},     {"exec", command::exec},             {"status", command::status},
    {"invalidate", command::invalidate}, {"add", command::add},       {"reload", command::reload},
    {"ping", command::ping},     {"url", command::url},
}};

bool passes_on(command c) { return c == command::curl || c == command::exec; }

class parser {
public:
    parser(int argc, const char* const* argv) : argc_(argc), argv_(argv) {}
    parse_result run();

private:
    enum class took { no, yes, failed };
    took option(std::string_view arg);
    took value_option(std::string_view arg, std::string_view name, std::string& value);
    bool operand(std::string_view arg);
    bool check_arity();
    bool failed(std::string message)
    {
        error_ = std::move(message);
        return false;
    }
    took refused(std::string message)
    {
        error_ = std::move(message);
        return took::failed;
    }

    int argc_;
    const char* const* argv_;
    int i_ = 1;
    invocation inv_;
    std::string error_;
};

parse_result parser::run()
{
    for (; i_ < argc_; ++i_) {
        std::string_view arg = argv_[i_];
        bool has_profile = passes_on(inv_.cmd) && !inv_.operands.empty();
        if (arg == "--") {
            ++i_;
            if (passes_on(inv_.cmd) && !has_profile && i_ < argc_) // `tok curl -- P ARGS` reads oddly; allow
                inv_.operands.emplace_back(argv_[i_++]);
            for (; i_ < argc_; ++i_)
                passes_on(inv_.cmd) ? inv_.passthrough.emplace_back(argv_[i_]) : inv_.operands.emplace_back(argv_[i_]);
            break;
        }
        if (arg.size() > 1 && arg[0] == '-') {
            took t = option(arg);
            if (t == took::failed)
                return {std::nullopt, error_};
            if (t == took::yes)
                continue;
            if (!has_profile)
                return {std::nullopt, "unknown option '" + std::string(arg) + "'"};
        }
        if (has_profile) { // the first argument that is not tok's starts curl's or the command
            for (; i_ < argc_; ++i_)
                inv_.passthrough.emplace_back(argv_[i_]);
            break;
        }
        if (!operand(arg))
            return {std::nullopt, error_};
    }
    if (!inv_.help && !inv_.version && !check_arity())
        return {std::nullopt, error_};
    return {std::move(inv_), {}};
}

parser::took parser::value_option(std::string_view arg, std::string_view name, std::string& value)
{
    if (arg == name) {
        if (i_ + 1 >= argc_)
            return refused(std::string(name) + " needs a value");
        value = argv_[++i_];
        return took::yes;
    }
    if (arg.size() > name.size() && arg.substr(0, name.size()) == name && arg[name.size()] == '=') {
        value = std::string(arg.substr(name.size() + 1));
        return took::yes;
    }
    return took::no;
}

parser::took parser::option(std::string_view arg)
{
    if (arg == "--json") {
        inv_.json = true;
        return took::yes;
    }
    if (arg == "--help" || arg == "-h") {
        inv_.help = true;
        return took::yes;
    }
    if (arg == "--version" || arg == "-V") {
        inv_.version = true;
        return took::yes;
    }
    if (auto t = value_option(arg, "--socket", inv_.socket); t != took::no)
        return t;
    std::string text;
    if (auto t = value_option(arg, "--timeout", text); t != took::no) {
        if (t == took::failed)
            return t;
        auto d = tokend::proto::parse_duration(text);
        if (!d || d->count() <= 0)
            return refused("--timeout: expected a duration such as 10s, 500ms or 2m, not '" + text + "'");
        inv_.timeout = *d;
        return took::yes;
    }
    if (inv_.cmd == command::add && arg == "--stdin") {
        inv_.read_stdin = true;
        return took::yes;
    }
    if (inv_.cmd == command::invalidate)
        return value_option(arg, "--token-id", inv_.token_id);
    return took::no;
}

bool parser::operand(std::string_view arg)
{
    if (inv_.cmd != command::none) {
        inv_.operands.emplace_back(arg);
        return true;
    }
    auto c = command_from_name(arg);
    if (!c)
        return failed("unknown command '" + std::string(arg) + "'");
    inv_.cmd = *c;
    return true;
}

bool parser::check_arity()
{
    auto n = inv_.operands.size();
    std::string name(command_name(inv_.cmd));
    switch (inv_.cmd) {
    case command::none: return failed("no command given");
    case command::help: return n <= 1 || failed("help takes at most one command name");
    case command::header:
    case command::token:
    case command::invalidate:
    case command::add:
    case command::url: return n == 1 || failed(name + " takes exactly one profile name");
    case command::status: return n <= 1 || failed("status takes at most one profile name");
    case command::reload:
    case command::ping: return n == 0 || failed(name + " takes no arguments");
    case command::curl:
    case command::exec:
        if (n != 1)
            return failed(name + " needs a profile name first");
        if (inv_.json)
            return failed("--json does not apply to " + name + (inv_.cmd == command::curl ? " (curl's own --json goes after `--`)" : ""));
        if (inv_.cmd == command::exec && inv_.passthrough.empty())
            return failed("exec needs a command: tok exec PROFILE -- COMMAND [ARGS...]");
        if (inv_.cmd == command::curl && inv_.passthrough.empty())
            return failed("curl needs curl's arguments: tok curl PROFILE [--] URL [CURL OPTIONS...]");
        return true;
    }
    return true;
}

} // namespace

std::optional<command> command_from_name(std::string_view name)
{
    for (const auto& [n, c] : names)
        if (n == name)
            return c;
    return std::nullopt;
}

std::string_view command_name(command c)
{
    for (const auto& [n, cmd] : names)
        if (cmd == c)
            return n;
    return "";
}

parse_result parse_args(int argc, const char* const* argv)
{
    return parser(argc, argv).run();
}

} // namespace tok::cli
