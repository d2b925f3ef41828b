// SPDX-License-Identifier: MIT
// tok's command-line parsing: global options anywhere, curl/exec arguments untouched.
#include "tok/args.hpp"

#include <boost/test/unit_test.hpp>

#include <initializer_list>
#include <string>
#include <vector>

using namespace tok::cli;
using namespace std::chrono_literals;

namespace {

parse_result parse(std::initializer_list<const char*> args)
{
    std::vector<const char*> argv{"tok"};
    argv.insert(argv.end(), args.begin(), args.end());
    return parse_args(static_cast<int>(argv.size()), argv.data());
}

using strings = std::vector<std::string>;

} // namespace

BOOST_AUTO_TEST_SUITE(args)

BOOST_AUTO_TEST_CASE(global_options_stand_before_or_after_the_command)
{
    // Exercise
    auto before = parse({"--socket", "/s", "--timeout", "2s", "--json", "header", "p"});
    auto after = parse({"header", "p", "--json", "--socket=/s", "--timeout=2s"});

    // Check
    for (const auto* r : {&before, &after}) {
        BOOST_TEST_REQUIRE(r->value.has_value(), r->error);
        BOOST_TEST((r->value->cmd == command::header));
        BOOST_TEST(r->value->operands == strings{"p"});
        BOOST_TEST(r->value->socket == "/s");
        BOOST_TEST(r->value->timeout.count() == 2000);
        BOOST_TEST(r->value->json);
    }
}

BOOST_AUTO_TEST_CASE(timeout_defaults_to_ten_seconds)
{
    // Exercise
    auto r = parse({"ping"});

    // Check
    BOOST_TEST_REQUIRE(r.value.has_value());
    BOOST_TEST(r.value->timeout.count() == 10'000);
}

BOOST_AUTO_TEST_CASE(curl_arguments_start_at_the_first_argument_that_is_not_toks)
{
    // Exercise
    auto r = parse({"curl", "p", "--timeout", "3s", "-s", "--json", "{}", "https://x", "--", "y"});

    // Check: tok took --timeout; curl gets the rest verbatim, its own --json and -- included.
    BOOST_TEST_REQUIRE(r.value.has_value(), r.error);
    BOOST_TEST(r.value->timeout.count() == 3000);
    BOOST_TEST(r.value->operands == strings{"p"});
    BOOST_TEST(r.value->passthrough == (strings{"-s", "--json", "{}", "https://x", "--", "y"}));
    BOOST_TEST(!r.value->json);
}

BOOST_AUTO_TEST_CASE(double_dash_ends_toks_options_for_curl_and_exec)
{
    // Exercise
    auto curl = parse({"--socket", "/s", "curl", "p", "--json", "--", "--json", "{}", "u"});
    auto exec = parse({"exec", "p", "--timeout", "1s", "--", "env", "--help"});

    // Check: a --json before -- is tok's, which curl refuses; exec's command keeps its options.
    BOOST_TEST(!curl.value.has_value());
    BOOST_TEST(curl.error.find("after `--`") != std::string::npos);
    BOOST_TEST_REQUIRE(exec.value.has_value(), exec.error);
    BOOST_TEST(exec.value->passthrough == (strings{"env", "--help"}));
    BOOST_TEST(!exec.value->help);
}

BOOST_AUTO_TEST_CASE(exec_without_double_dash_starts_the_command_at_its_first_word)
{
    // Exercise
    auto r = parse({"exec", "p", "sh", "-c", "exit 3"});

    // Check
    BOOST_TEST_REQUIRE(r.value.has_value(), r.error);
    BOOST_TEST(r.value->passthrough == (strings{"sh", "-c", "exit 3"}));
}

BOOST_AUTO_TEST_CASE(command_options_belong_to_their_command)
{
    // Exercise
    auto add = parse({"add", "p", "--stdin"});
    auto inv = parse({"invalidate", "p", "--token-id", "abc"});
    auto wrong = parse({"token", "p", "--stdin"});

    // Check
    BOOST_TEST_REQUIRE(add.value.has_value(), add.error);
    BOOST_TEST(add.value->read_stdin);
    BOOST_TEST_REQUIRE(inv.value.has_value(), inv.error);
    BOOST_TEST(inv.value->token_id == "abc");
    BOOST_TEST(!wrong.value.has_value());
    BOOST_TEST(wrong.error == "unknown option '--stdin'");
}

BOOST_AUTO_TEST_CASE(usage_errors_say_what_is_wrong)
{
    struct case_t {
        std::initializer_list<const char*> args;
        std::string error;
    };
    const case_t cases[] = {
        {{}, "no command given"},
        {{"frobnicate"}, "unknown command 'frobnicate'"},
        {{"header"}, "header takes exactly one profile name"},
        {{"token", "a", "b"}, "token takes exactly one profile name"},
        {{"ping", "x"}, "ping takes no arguments"},
        {{"--timeout", "soon", "ping"}, "--timeout: expected a duration such as 10s, 500ms or 2m, not 'soon'"},
        {{"ping", "--socket"}, "--socket needs a value"},
        {{"exec", "p"}, "exec needs a command: tok exec PROFILE -- COMMAND [ARGS...]"},
        {{"curl"}, "curl needs a profile name first"},
        {{"--bogus", "ping"}, "unknown option '--bogus'"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.error)
        {
            // Exercise
            auto r = parse(c.args);

            // Check
            BOOST_TEST(!r.value.has_value());
            BOOST_TEST(r.error == c.error);
        }
    }
}

BOOST_AUTO_TEST_CASE(help_and_version_parse_without_a_complete_command)
{
    // Exercise
    auto help = parse({"curl", "--help"});
    auto version = parse({"--version"});

    // Check
    BOOST_TEST_REQUIRE(help.value.has_value(), help.error);
    BOOST_TEST(help.value->help);
    BOOST_TEST((help.value->cmd == command::curl));
    BOOST_TEST_REQUIRE(version.value.has_value(), version.error);
    BOOST_TEST(version.value->version);
}

BOOST_AUTO_TEST_SUITE_END()
