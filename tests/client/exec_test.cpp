// SPDX-License-Identifier: MIT
// tok exec: the token in the child's environment, and the child's exit as tok's.
#include "fixtures.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>

using namespace tokend::test;
using namespace tok::test;

BOOST_AUTO_TEST_SUITE(exec)

BOOST_AUTO_TEST_CASE(child_sees_the_token_in_its_environment)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));

    // Exercise
    auto r = a.tok({"exec", "s", "--", "sh", "-c", "printf '%s|%s' \"$TOK_TOKEN\" \"$TOK_AUTHORIZATION\""});

    // Check
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(r.out == std::string(static_token) + "|Bearer " + static_token);
}

BOOST_AUTO_TEST_CASE(child_replaces_tok_and_its_exit_is_toks)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));

    // Exercise: the shell reports its parent's pid: the test's, not a tok in between.
    auto code = a.tok({"exec", "s", "--", "sh", "-c", "exit 42"});
    auto killed = a.tok({"exec", "s", "--", "sh", "-c", "kill -TERM $$"});
    auto parent = a.tok({"exec", "s", "--", "sh", "-c", "cat /proc/$$/comm"});

    // Check
    BOOST_TEST(code.status == 42);
    BOOST_TEST(killed.status == 128 + SIGTERM);
    BOOST_TEST(parent.out == "sh\n"); // exec'd in place: tok's process became sh
}

BOOST_AUTO_TEST_CASE(missing_or_unrunnable_commands_are_127_and_126)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));
    std::string not_executable = dir.write("script.sh", "#!/bin/sh\n", 0600);

    // Exercise
    auto missing = a.tok({"exec", "s", "--", "no-such-command-tok-test"});
    auto denied = a.tok({"exec", "s", "--", not_executable});

    // Check
    BOOST_TEST(missing.status == 127);
    BOOST_TEST(missing.err == "tok: no-such-command-tok-test: command not found\n");
    BOOST_TEST(denied.status == 126);
}

BOOST_AUTO_TEST_CASE(agent_errors_stop_before_exec)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));

    // Exercise
    auto r = a.tok({"exec", "nope", "--", "sh", "-c", "echo ran"});

    // Check
    BOOST_TEST(r.status == 4);
    BOOST_TEST(r.out.empty());
}

BOOST_AUTO_TEST_SUITE_END()
