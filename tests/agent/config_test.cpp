// SPDX-License-Identifier: MIT
#include "config/config.hpp"
#include "upstream/providers/registry.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <string>
#include <vector>

using namespace tokend::agent;
using namespace std::chrono_literals;

namespace {

constexpr const char* full_example = R"(
[agent]
socket = "/run/user/1000/tokend/socket"
refresh_margin = "5m"
log_level = "info"
max_connections = 64
idle_timeout = 30
request_timeout = "2s"

[profile.aviate-prod]
provider = "aviate"
url = "http://127.0.0.1:8080/"
email = "ops@example.com"
password_file = "~/.config/tokend/aviate.pass"
api_key = "my-tenant"
api_secret_env = "KB_API_SECRET"
timeout = "3s"

[profile.kb]
provider = "killb"
url = "https://api.example.com"
email = "ops@example.com"
password_command = "pass show killb"
refresh_margin = 120

[profile.oa]
provider = "oauth2"
token_url = "https://idp.example.com/oauth2/token"
client_id = "cli"
client_secret_credential = "oa-secret"
scope = "read write"

[profile.key]
provider = "static"
token_env = "NOVA_KEY"
)";

std::string error_of(const std::string& text, unsigned mode = 0600)
{
    auto c = parse_config(text, "/etc/t.toml", mode);
    return c ? std::string() : c.error().message;
}

// A private directory for real files: the config and ca_file rules concern files on disk.
struct scratch {
    std::filesystem::path dir;
    scratch()
    {
        std::string p = (std::filesystem::temp_directory_path() / "tokend-config-XXXXXX").string();
        BOOST_REQUIRE(::mkdtemp(p.data()));
        dir = p;
    }
    ~scratch() { std::filesystem::remove_all(dir); }
    std::string file(const std::string& name, const std::string& text, mode_t mode = 0600) const
    {
        std::string p = (dir / name).string();
        std::ofstream(p) << text;
        ::chmod(p.c_str(), mode); // whatever the umask made of it
        return p;
    }
};

std::string load_error(const std::string& path)
{
    auto c = load_config(path);
    return c ? std::string() : c.error().message;
}

constexpr const char* a_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

std::string profile_with_ca(const std::string& name, const std::string& ca_file)
{
    return "[profile." + name + "]\nprovider = \"killb\"\nurl = \"https://h\"\nemail = \"e\"\nca_file = \"" + ca_file
           + "\"\n";
}

} // namespace

BOOST_AUTO_TEST_SUITE(config_parsing)

BOOST_AUTO_TEST_CASE(reads_the_documented_example)
{
    // Exercise
    auto c = parse_config(full_example, "/etc/t.toml", 0644);

    // Check
    BOOST_TEST_REQUIRE(c.has_value(), (c ? "" : c.error().message));
    BOOST_TEST(*c->agent.socket == "/run/user/1000/tokend/socket");
    BOOST_TEST(c->agent.refresh_margin == duration(5min));
    BOOST_TEST(c->agent.max_connections == 64u);
    BOOST_TEST(c->agent.idle_timeout == duration(30s));
    BOOST_TEST(c->agent.request_timeout == duration(2s));
    BOOST_TEST_REQUIRE(c->profiles.size() == 4u);
    const profile_config& av = c->profiles[0];
    BOOST_TEST(av.name == "aviate-prod");
    BOOST_TEST(!av.url.tls);
    BOOST_TEST(av.url.host == "127.0.0.1");
    BOOST_TEST(av.url.port == "8080");
    BOOST_TEST(av.url.path == "");
    BOOST_TEST((av.password.how == secret_source::kind::file));
    BOOST_TEST(av.password.where == "/etc/t.toml:14: profile.aviate-prod.password_file");
    BOOST_TEST((av.api_secret.how == secret_source::kind::env));
    BOOST_TEST(av.timeout == duration(3s));
    BOOST_TEST((c->profiles[1].password.how == secret_source::kind::command));
    BOOST_TEST(*c->profiles[1].refresh_margin == duration(120s));
    // Tables come back sorted by name: aviate-prod, kb, key, oa.
    BOOST_TEST((c->profiles[2].provider == find_provider("static")));
    BOOST_TEST(c->profiles[3].url.port == "443");
    BOOST_TEST(c->profiles[3].url.path == "/oauth2/token");
}

BOOST_AUTO_TEST_CASE(errors_name_file_line_and_key)
{
    struct tc {
        std::string text;
        std::string expected;
    };
    const tc cases[] = {
        {"[agent]\nrefresh_margin = \"5 minutes\"\n", "/etc/t.toml:2: agent.refresh_margin: expected a duration"},
        {"[agent]\nsoket = \"/x\"\n", "/etc/t.toml:2: agent.soket: unknown key"},
        {"[agent]\nlog_level = \"loud\"\n", "/etc/t.toml:2: agent.log_level: expected error, warn, info or debug"},
        {"[profile.a]\nprovider = \"aviate\"\nurl = \"http://127.0.0.1\"\nemail = \"e\"\npasword_file = \"/p\"\n",
         "/etc/t.toml:5: profile.a.pasword_file: unknown key"},
        {"[profile.a]\nprovider = \"avaite\"\n", "/etc/t.toml:2: profile.a.provider: expected aviate, killb"},
        {"[profile.a]\nprovider = \"aviate\"\nemail = \"e\"\n", "/etc/t.toml:1: profile.a: missing url"},
        {"[profile.a]\nprovider = \"killb\"\nurl = \"http://api.example.com\"\nemail = \"e\"\n",
         "/etc/t.toml:3: profile.a.url: plain http:// is only allowed to loopback hosts"},
        {"[profile.a]\nprovider = \"killb\"\nurl = \"https://h\"\nemail = \"e\"\npassword_env = \"A\"\npassword_file = \"/b\"\n",
         "/etc/t.toml:6: profile.a.password_file: password is already given by /etc/t.toml:5: profile.a.password_env"},
        {"[profile.a]\nprovider = \"killb\"\nurl = \"https://h\"\nemail = \"e\"\napi_key = \"k\"\n",
         "/etc/t.toml:5: profile.a.api_key: not used by killb profiles"},
        {"[profile.a]\nprovider = \"killb\"\nurl = \"https://h\"\nemail = \"e\"\ntimeout = \"0s\"\n",
         "/etc/t.toml:5: profile.a.timeout: must be positive"},
        {"[profile.\"a b\"]\nprovider = \"static\"\n", "/etc/t.toml:1: profile.a b: a profile name is"},
        {"[profile.a]\nprovider = \"static\"\ntoken_credential = \"../x\"\n", "/etc/t.toml:3: profile.a.token_credential: a credential id"},
        {"[profile.a]\nprovider = \"oauth2\"\ntoken_url = \"https://h/t\"\n", "/etc/t.toml:1: profile.a: missing client_id"},
        {"x = 1\n", "/etc/t.toml:1: x: unknown key"},
        {"[agent\n", "/etc/t.toml:1: "},
    };
    for (const tc& c : cases) {
        BOOST_TEST_CONTEXT(c.text)
        {
            std::string e = error_of(c.text);
            BOOST_TEST(e.starts_with(c.expected), e);
        }
    }
}

BOOST_AUTO_TEST_CASE(inline_secrets_need_a_private_file)
{
    const std::string text = "[profile.a]\nprovider = \"static\"\ntoken = \"sk_live_abc\"\n";
    BOOST_TEST(error_of(text, 0600).empty());
    std::string e = error_of(text, 0640);
    BOOST_TEST(e.starts_with("/etc/t.toml:3: profile.a.token: an inline secret needs a config file only you can read"), e);
    BOOST_TEST(e.find("sk_live_abc") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_profile_without_a_password_is_valid)
{
    auto c = parse_config("[profile.a]\nprovider = \"novabilling\"\nurl = \"http://localhost:3000\"\nemail = \"e\"\n", "t", 0600);
    BOOST_TEST_REQUIRE(c.has_value());
    BOOST_TEST((c->profiles[0].primary_secret().how == secret_source::kind::none));
}

BOOST_AUTO_TEST_CASE(equal_profiles_compare_equal_across_line_moves)
{
    auto a = parse_config("[profile.a]\nprovider = \"static\"\ntoken_env = \"X\"\n", "t", 0600);
    auto b = parse_config("\n\n[profile.a]\ntoken_env = \"X\"\nprovider = \"static\"\n", "t", 0600);
    auto c = parse_config("[profile.a]\nprovider = \"static\"\ntoken_env = \"Y\"\n", "t", 0600);
    BOOST_TEST_REQUIRE((a && b && c));
    BOOST_TEST((a->profiles[0] == b->profiles[0]));
    BOOST_TEST(!(a->profiles[0] == c->profiles[0]));
}

// The comparison is defaulted (config.hpp): every setting counts, only `where` does not.
BOOST_AUTO_TEST_CASE(every_setting_but_where_makes_profiles_differ)
{
    const profile_config base;
    std::vector<std::function<void(profile_config&)>> changes{
        [](profile_config& p) { p.name = "other"; },
        [](profile_config& p) { p.provider = find_provider("killb"); },
        [](profile_config& p) { p.url.host = "h2"; },
        [](profile_config& p) { p.email = "e2"; },
        [](profile_config& p) { p.api_key = "k2"; },
        [](profile_config& p) { p.client_id = "c2"; },
        [](profile_config& p) { p.scope = "s2"; },
        [](profile_config& p) { p.grant = oauth2_grant::password; },
        [](profile_config& p) { p.client_auth = oauth2_client_auth::post; },
        [](profile_config& p) { p.password.how = secret_source::kind::env; },
        [](profile_config& p) { p.api_secret.reference = "r"; },
        [](profile_config& p) { p.client_secret.how = secret_source::kind::file; },
        [](profile_config& p) { p.token.how = secret_source::kind::command; },
        [](profile_config& p) { p.timeout = 11s; },
        [](profile_config& p) { p.refresh_margin = 1min; },
        [](profile_config& p) { p.allow_insecure_http = true; },
    };
    for (std::size_t i = 0; i < changes.size(); ++i) {
        profile_config changed = base;
        changes[i](changed);
        BOOST_TEST_CONTEXT("change " << i) { BOOST_TEST(!(changed == base)); }
    }
    profile_config moved = base;
    moved.where.value = "/elsewhere.toml:99";
    moved.password.where = "/elsewhere.toml:100: profile.a.password_env";
    BOOST_TEST((moved == base));
}

BOOST_AUTO_TEST_CASE(control_characters_in_strings_are_errors_naming_file_line_and_key)
{
    // Setup: TOML escapes put CR, LF, NUL, TAB, ESC and DEL into strings that reach a request
    // line, a header we send or a header we serve.
    const std::string av = "[profile.a]\nprovider = \"aviate\"\nurl = \"http://127.0.0.1\"\nemail = \"e\"\n";
    const std::string oa = "[profile.o]\nprovider = \"oauth2\"\ntoken_url = \"https://h/t\"\nclient_id = \"c\"\n";
    struct tc {
        std::string text;
        std::string expected;
    };
    const tc cases[] = {
        {av + "api_key = \"t\\r\\nX-Injected: yes\"\n", "/etc/t.toml:5: profile.a.api_key: must not contain a control character (found CR)"},
        {"[profile.a]\nprovider = \"killb\"\nurl = \"http://127.0.0.1/kb\\r\\nX-Injected: yes\"\n",
         "/etc/t.toml:3: profile.a.url: must not contain a control character (found CR)"},
        {"[profile.a]\nprovider = \"killb\"\n\nemail = \"ops@example.com\\n\"\n", "/etc/t.toml:4: profile.a.email: must not contain a control character (found LF)"},
        {oa + "scope = \"read\\twrite\"\n", "/etc/t.toml:5: profile.o.scope: must not contain a control character (found TAB)"},
        {oa + "username = \"u\\u0000\"\n", "/etc/t.toml:5: profile.o.username: must not contain a control character (found NUL)"},
        {"[profile.o]\nprovider = \"oauth2\"\ntoken_url = \"https://h/t\\u001b\"\n", "/etc/t.toml:3: profile.o.token_url: must not contain a control character (found 0x1B)"},
        {"[profile.o]\nprovider = \"oauth2\"\nclient_id = \"c\\u007f\"\n", "/etc/t.toml:3: profile.o.client_id: must not contain a control character (found DEL)"},
        {"[profile.s]\nprovider = \"static\"\ntoken = \"sk_live_x\\r\\nX-Injected: yes\"\n",
         "/etc/t.toml:3: profile.s.token: must not contain a control character (found CR)"},
        {av + "api_key = \"k\"\napi_secret = \"s\\n\"\n", "/etc/t.toml:6: profile.a.api_secret: must not contain a control character (found LF)"},
        {"[profile.a]\nprovider = \"killb\"\nurl = \"http://127.0.0.1/a b\"\nemail = \"e\"\n", "/etc/t.toml:3: profile.a.url: a URL has no spaces"},
    };

    for (const tc& c : cases) {
        BOOST_TEST_CONTEXT(c.text)
        {
            // Exercise
            std::string e = error_of(c.text);

            // Check: the error, and never the value (it may be a secret).
            BOOST_TEST(e.starts_with(c.expected), e);
            BOOST_TEST(e.find("Injected") == std::string::npos, e);
        }
    }
}

BOOST_AUTO_TEST_CASE(plain_http_without_opt_in_is_marked_for_loopback_addresses_only)
{
    auto profile = [](const std::string& url, const std::string& extra) {
        auto c = parse_config("[profile.a]\nprovider = \"killb\"\nurl = \"" + url + "\"\nemail = \"e\"\n" + extra, "t", 0600);
        BOOST_TEST_REQUIRE(c.has_value(), (c ? "" : c.error().message));
        return c->profiles[0].url;
    };
    BOOST_TEST(profile("http://localhost:8080", "").loopback_only);
    BOOST_TEST(profile("http://127.0.0.1", "").loopback_only);
    BOOST_TEST(!profile("http://localhost:8080", "allow_insecure_http = true\n").loopback_only);
    BOOST_TEST(!profile("https://localhost", "").loopback_only);
}

BOOST_AUTO_TEST_CASE(a_command_may_span_lines)
{
    auto c = parse_config("[profile.s]\nprovider = \"static\"\ntoken_command = \"\"\"\nset -e\npass show x\n\"\"\"\n", "t", 0600);
    BOOST_TEST(c.has_value(), (c ? "" : c.error().message));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(config_files)

BOOST_AUTO_TEST_CASE(a_config_others_can_write_or_that_is_no_regular_file_is_refused)
{
    // Setup
    scratch s;
    const std::string text = "[profile.a]\nprovider = \"static\"\ntoken_env = \"X\"\n";
    std::string fifo = (s.dir / "fifo.toml").string();
    BOOST_TEST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    struct tc {
        std::string path;
        std::string problem;
    };
    const tc cases[] = {
        {s.file("world.toml", text, 0666), "writable by group or others (mode 0666); chmod go-w "},
        {s.file("group.toml", text, 0620), "writable by group or others (mode 0620); chmod go-w "},
        {fifo, "not a regular file (a FIFO)"},
        {s.dir.string(), "not a regular file (a directory)"},
        {(s.dir / "none.toml").string(), "cannot open: No such file or directory"},
    };

    for (const tc& c : cases) {
        BOOST_TEST_CONTEXT(c.path)
        {
            // Exercise
            std::string e = load_error(c.path);

            // Check: the file and the problem.
            BOOST_TEST(e.starts_with(c.path + ": " + c.problem), e);
        }
    }
    BOOST_TEST(load_error(s.file("readable.toml", text, 0644)).empty());
}

BOOST_AUTO_TEST_CASE(a_config_owned_by_another_user_is_refused)
{
    // Setup: only root can give a file away.
    if (::geteuid() != 0) {
        BOOST_TEST_MESSAGE("SKIPPED: not root, cannot chown a file to another uid");
        return;
    }
    scratch s;
    std::string path = s.file("theirs.toml", "[agent]\n");
    BOOST_TEST_REQUIRE(::chown(path.c_str(), 65534, 65534) == 0);

    // Exercise
    std::string e = load_error(path);

    // Check
    BOOST_TEST(e.starts_with(path + ": owned by uid 65534, not by you (uid 0) or root"), e);
}

BOOST_AUTO_TEST_CASE(ca_files_are_read_at_load_under_the_config_rules)
{
    // Setup
    scratch s;
    std::string good = s.file("ca.pem", a_pem, 0644);
    std::string world = s.file("world.pem", a_pem, 0666);
    std::string not_pem = s.file("key.txt", "hello\n", 0600);
    std::string fifo = (s.dir / "ca.fifo").string();
    BOOST_TEST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);

    // Exercise
    auto ok = parse_config(profile_with_ca("a", good) + profile_with_ca("b", good), "/etc/t.toml", 0600);
    std::string from_fifo = error_of(profile_with_ca("a", fifo));
    std::string world_writable = error_of(profile_with_ca("a", world));
    std::string no_certificate = error_of(profile_with_ca("a", not_pem));
    std::string missing = error_of(profile_with_ca("a", (s.dir / "none.pem").string()));

    // Check: the bytes are in the config, read once for both profiles; every problem names
    // file, line and key, then the ca_file and what is wrong with it.
    BOOST_TEST_REQUIRE(ok.has_value(), (ok ? "" : ok.error().message));
    BOOST_TEST_REQUIRE(ok->profiles[0].url.ca != nullptr);
    BOOST_TEST(ok->profiles[0].url.ca->pem == a_pem);
    BOOST_TEST(ok->profiles[0].url.ca->path == good);
    BOOST_TEST(ok->profiles[0].url.ca == ok->profiles[1].url.ca);
    const std::string at = "/etc/t.toml:5: profile.a.ca_file: ";
    BOOST_TEST(from_fifo.starts_with(at + fifo + ": not a regular file (a FIFO)"), from_fifo);
    BOOST_TEST(world_writable.starts_with(at + world + ": writable by group or others (mode 0666)"), world_writable);
    BOOST_TEST(no_certificate.starts_with(at + not_pem + ": holds no PEM certificate"), no_certificate);
    BOOST_TEST(missing.starts_with(at + (s.dir / "none.pem").string() + ": cannot open"), missing);
}

BOOST_AUTO_TEST_CASE(a_re_read_ca_file_keeps_the_profile_equal_and_a_removed_one_does_not)
{
    // Setup
    scratch s;
    std::string ca = s.file("ca.pem", a_pem, 0600);
    auto before = parse_config(profile_with_ca("a", ca), "t", 0600);
    s.file("ca.pem", std::string(a_pem) + a_pem, 0600);

    // Exercise
    auto after = parse_config(profile_with_ca("a", ca), "t", 0600);
    auto without = parse_config("[profile.a]\nprovider = \"killb\"\nurl = \"https://h\"\nemail = \"e\"\n", "t", 0600);

    // Check: same profile (a reload keeps its token) with the new bytes; without ca_file it
    // is another profile.
    BOOST_TEST_REQUIRE((before && after && without));
    BOOST_TEST((before->profiles[0] == after->profiles[0]));
    BOOST_TEST(after->profiles[0].url.ca->pem.size() == 2 * std::string(a_pem).size());
    BOOST_TEST(!(before->profiles[0] == without->profiles[0]));
}

BOOST_AUTO_TEST_SUITE_END()
