// SPDX-License-Identifier: MIT
// The clients' side of the socket trust boundary (docs/security.md, "Another local user on a
// shared host"): tok and libtok send nothing to a socket whose directory or listener is not
// ours, and tok prints what an agent says with its control characters replaced. The other
// side is a fake_listener: a squatter of another uid, or a fake agent with a canned answer.
// Run as root (CI does), with uid 65534 as the other user.
#include "fake_listener.hpp"
#include "fixtures.hpp"

#include <tok/client.hpp>
#include <tok/tok.h>

#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

using namespace tokend::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(untrusted_agent)

namespace {

constexpr uid_t nobody = 65534;

const std::string squatter_token = R"({"ok":true,"profile":"p","token":"squatted","token_id":"t1","expires_at":null,)"
                                   R"("headers":{"Authorization":"Bearer squatted"}})";

// A directory `name` in `dir`, owned by `owner`, with `mode`.
std::string make_dir(const temp_dir& dir, const std::string& name, uid_t owner, mode_t mode)
{
    fs::path p = dir.path() / name;
    fs::create_directory(p);
    BOOST_REQUIRE(::chown(p.c_str(), owner, owner) == 0 && ::chmod(p.c_str(), mode) == 0);
    return p.string();
}


} // namespace

BOOST_AUTO_TEST_CASE(libtok_sends_nothing_to_a_listener_of_another_uid_in_either_api)
{
    // Setup: a directory of ours (0700) in which a process binds, then becomes uid 65534 and
    // listens; the kernel records 65534 as the listener (SO_PEERCRED). It answers any request
    // with a token of its choosing.
    temp_dir dir;
    std::string socket = make_dir(dir, "run", 0, 0700) + "/socket";
    fake_listener squatter(socket, fake_listener_options().listening_as(nobody).answering(squatter_token));

    // Exercise
    std::error_code ec;
    tok::client cpp(tok::client_options{socket, 5s});
    tok::token t = cpp.get("p", ec);
    std::string cpp_message = tok::client::last_error_message();
    tok_client* c = nullptr;
    BOOST_TEST_REQUIRE(tok_client_new(socket.c_str(), 5000, &c) == TOK_OK);
    tok_token* ct = nullptr;
    int c_rc = tok_get(c, "p", 0, &ct);
    std::string c_message = tok_last_error_message(c);
    int add_rc = tok_add(c, "p", "hunter2");
    tok_client_free(c);
    probe(squatter, socket, 4);

    // Check: permission_denied in both APIs, a message naming the path and the uid, no token,
    // and the listener got nothing but the probe: three connections, zero bytes.
    BOOST_TEST((ec == tok::errc::permission_denied), ec.message());
    BOOST_TEST(t.value.empty());
    BOOST_TEST(cpp_message.find(socket) != std::string::npos, cpp_message);
    BOOST_TEST(cpp_message.find("runs as uid 65534") != std::string::npos, cpp_message);
    BOOST_TEST(c_rc == TOK_ERR_PERMISSION_DENIED);
    BOOST_TEST(add_rc == TOK_ERR_PERMISSION_DENIED);
    BOOST_TEST(ct == nullptr);
    BOOST_TEST(c_message == cpp_message);
    BOOST_TEST(squatter.connections() == 4);
    BOOST_TEST(squatter.bytes_received() == probe_line.size());
}

BOOST_AUTO_TEST_CASE(libtok_does_not_connect_through_a_directory_of_another_uid_or_a_symlink)
{
    // Setup: a squatter in a directory of its own (0755, uid 65534), and a symbolic link to a
    // directory of ours where a listener of ours waits (which would be trusted by itself).
    temp_dir dir;
    ::chmod(dir.path().c_str(), 0711); // the squatter must reach its directory
    std::string foreign = make_dir(dir, "tokend-0", nobody, 0755);
    fake_listener squatter(foreign + "/socket", fake_listener_options().bound_by(nobody).answering(squatter_token));
    std::string real = make_dir(dir, "real", 0, 0700);
    fs::create_directory_symlink(real, dir.path() / "link");
    fake_listener ours(real + "/socket", fake_listener_options().answering(squatter_token));

    // Exercise
    std::error_code foreign_ec, link_ec;
    tok::client(tok::client_options{foreign + "/socket", 5s}).add("p", "hunter2", foreign_ec);
    std::string foreign_message = tok::client::last_error_message();
    tok::client(tok::client_options{(dir.path() / "link" / "socket").string(), 5s}).get("p", link_ec);
    std::string link_message = tok::client::last_error_message();
    probe(squatter, foreign + "/socket", 1);
    probe(ours, real + "/socket", 1);

    // Check: refused before connecting: neither listener saw anything but the probe.
    BOOST_TEST((foreign_ec == tok::errc::permission_denied));
    BOOST_TEST(foreign_message == foreign + " is owned by uid 65534, not by uid 0; refusing to send anything to "
                                      + foreign + "/socket");
    BOOST_TEST((link_ec == tok::errc::permission_denied));
    BOOST_TEST(link_message.find((dir.path() / "link").string() + " is a symbolic link") == 0u, link_message);
    BOOST_TEST(squatter.bytes_received() == probe_line.size());
    BOOST_TEST(ours.bytes_received() == probe_line.size());
}

BOOST_AUTO_TEST_CASE(tok_replaces_control_characters_in_what_the_agent_says)
{
    // Setup: a fake agent of ours whose error message carries an escape sequence, CR, BEL,
    // DEL, a C1 control (U+009B, CSI) and plain UTF-8.
    temp_dir dir;
    std::string socket = make_dir(dir, "run", 0, 0700) + "/socket";
    const std::string answer = R"({"ok":false,"error":{"code":"internal","message":)"
                               R"("boom \u001b[31mred\r over\u0007 \u007f \u009b s\u00fc\u00df"}})";
    fake_listener fake(socket, fake_listener_options().answering(answer));

    // Exercise
    run_result r = run({tok_bin(), "--socket", socket, "ping"});

    // Check: one line, every control character spelled out, the UTF-8 kept.
    BOOST_TEST(r.status == 1);
    BOOST_TEST(r.err == "tok: boom \\u001b[31mred\\u000d over\\u0007 \\u007f \\u009b s\xc3\xbc\xc3\x9f\n");
}

BOOST_AUTO_TEST_CASE(tok_status_prints_agent_text_without_control_characters)
{
    // Setup: a fake agent's status answer whose profile name and last error try to retitle
    // the terminal and clear the screen.
    temp_dir dir;
    std::string socket = make_dir(dir, "run", 0, 0700) + "/socket";
    const std::string answer = R"({"ok":true,"profiles":[{"name":"p\u001b]0;owned\u0007","provider":"static",)"
                               R"("state":"idle","expires_at":null,"refresh_at":null,"last_error":)"
                               R"("login failed\u001b[2J","logins":0,"refreshes":0,"failures":1}]})";
    fake_listener fake(socket, fake_listener_options().answering(answer));

    // Exercise
    run_result r = run({tok_bin(), "--socket", socket, "status"});

    // Check
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(r.out.find('\x1b') == std::string::npos);
    BOOST_TEST(r.out.find('\x07') == std::string::npos);
    BOOST_TEST(r.out.find("p\\u001b]0;owned\\u0007") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("login failed\\u001b[2J") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(tok_prints_no_token_that_holds_control_characters)
{
    // Setup: a fake agent serving a token with an escape sequence in it. A token is never
    // altered (a changed token is a wrong token), so it is not printed at all.
    temp_dir dir;
    std::string socket = make_dir(dir, "run", 0, 0700) + "/socket";
    const std::string answer = R"({"ok":true,"profile":"p","token":"abc\u001b[2J","token_id":"t1",)"
                               R"("expires_at":null,"headers":{"Authorization":"Bearer abc\u001b[2J"}})";
    fake_listener fake(socket, fake_listener_options().answering(answer));

    // Exercise
    run_result header = run({tok_bin(), "--socket", socket, "header", "p"});
    run_result token = run({tok_bin(), "--socket", socket, "token", "p"});

    // Check
    for (const run_result* r : {&header, &token}) {
        BOOST_TEST(r->status == 1);
        BOOST_TEST(r->out.empty());
        BOOST_TEST(r->err == "tok: the agent's answer holds control characters; not printing it\n");
    }
}

BOOST_AUTO_TEST_SUITE_END()
