// SPDX-License-Identifier: MIT
// The config file's tables and keys; config/toml_values.* reads single values. Only config/
// knows TOML. Parsing is strict: an unknown key is an error, because a
// typo in a secret's key would otherwise leave a profile silently without credentials.
#include "config/config.hpp"

#include "config/proxy_table.hpp"
#include "config/toml_values.hpp"
#include "sys/file_read.hpp"
#include "upstream/endpoint.hpp"
#include "upstream/providers/registry.hpp"

#include <tokend/proto/duration.hpp>
#include <tokend/proto/wipe.hpp>

#include <toml++/toml.h>

#include <boost/throw_exception.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>

namespace tokend::agent {
namespace {

using namespace config_detail;

constexpr std::size_t max_config_bytes = 4 * 1024 * 1024;
constexpr std::size_t max_ca_file_bytes = 1024 * 1024;
constexpr std::size_t max_profiles = 100'000;

// ---- [agent] --------------------------------------------------------------------------

config_result<void> read_agent(const context& cx, const toml::table& t, agent_settings& a)
{
    for (auto&& [k, v] : t) {
        std::string key(k.str());
        std::string full = "agent." + key;
        if (key == "socket") {
            auto s = read_string(cx, v, full);
            if (!s) return s.error();
            if (s->empty()) return error_at(cx, v.source(), full, "must not be empty");
            a.socket = expand_home(*s);
        } else if (key == "refresh_margin" || key == "idle_timeout" || key == "request_timeout") {
            auto d = read_duration(cx, v, full);
            if (!d) return d.error();
            if (key != "refresh_margin" && *d <= duration::zero())
                return error_at(cx, v.source(), full, "must be positive");
            (key == "refresh_margin" ? a.refresh_margin : key == "idle_timeout" ? a.idle_timeout : a.request_timeout) = *d;
        } else if (key == "log_level") {
            auto s = read_string(cx, v, full);
            if (!s) return s.error();
            a.log_level = log::parse_level(*s);
            if (!a.log_level) return error_at(cx, v.source(), full, "expected error, warn, info or debug");
        } else if (key == "max_connections") {
            auto i = v.as_integer();
            if (!i || i->get() < 1 || i->get() > 1'000'000)
                return error_at(cx, v.source(), full, "expected an integer from 1 to 1000000");
            a.max_connections = static_cast<std::size_t>(i->get());
        } else {
            return error_at(cx, k.source(), full, "unknown key");
        }
    }
    return {};
}

// ---- secrets --------------------------------------------------------------------------

constexpr std::array<std::pair<std::string_view, secret_source::kind>, 5> secret_forms{{
    {"", secret_source::kind::inline_value},
    {"_env", secret_source::kind::env},
    {"_file", secret_source::kind::file},
    {"_command", secret_source::kind::command},
    {"_credential", secret_source::kind::credential},
}};

// Matches `key` against NAME, NAME_env, ... for one of the four secret names.
std::optional<std::pair<std::string_view, secret_source::kind>> secret_key(std::string_view key)
{
    for (std::string_view base : {"password", "api_secret", "client_secret", "token"}) {
        if (!key.starts_with(base))
            continue;
        for (auto [suffix, how] : secret_forms)
            if (key.size() == base.size() + suffix.size() && key.ends_with(suffix))
                return std::pair{base, how};
    }
    return std::nullopt;
}

secret_source& secret_slot(profile_config& p, std::string_view base)
{
    if (base == "password") return p.password;
    if (base == "api_secret") return p.api_secret;
    if (base == "client_secret") return p.client_secret;
    return p.token;
}

config_result<void> read_secret(const context& cx, const toml::node& v, const std::string& key,
                                const std::string& full, profile_config& p)
{
    auto [base, how] = *secret_key(key);
    secret_source& slot = secret_slot(p, base);
    if (slot.how != secret_source::kind::none)
        return error_at(cx, v.source(), full,
                        std::string(base) + " is already given by " + slot.where + "; keep exactly one source");
    auto text = read_string(cx, v, full);
    if (!text) return text.error();
    if (text->empty()) return error_at(cx, v.source(), full, "must not be empty");
    slot.how = how;
    slot.where = where_of(cx, v.source(), full);
    if (how == secret_source::kind::inline_value) {
        if (cx.mode & 077)
            return error_at(cx, v.source(), full,
                            "an inline secret needs a config file only you can read; chmod 600 " + cx.path
                                + " or use " + std::string(base) + "_file/_env/_command/_credential");
        slot.inline_value = std::make_shared<const secret>(secret::take(*text));
    } else if (how == secret_source::kind::file) {
        slot.reference = expand_home(*text);
    } else if (how == secret_source::kind::credential && text->find('/') != std::string::npos) {
        return error_at(cx, v.source(), full, "a credential id is a file name, without '/'");
    } else {
        slot.reference = *text;
    }
    return {};
}

// ---- [profile.NAME] -----------------------------------------------------------------------

struct raw_urls {
    std::optional<std::pair<std::string, toml::source_region>> url, token_url, ca_file, api_url;
};

config_result<void> read_profile_key(const context& cx, const std::string& key, const toml::node& v,
                                     const std::string& full, profile_config& p, raw_urls& urls)
{
    if (secret_key(key))
        return read_secret(cx, v, key, full, p);
    if (key == "timeout" || key == "refresh_margin") {
        auto d = read_duration(cx, v, full);
        if (!d) return d.error();
        if (key == "timeout") {
            if (*d <= duration::zero()) return error_at(cx, v.source(), full, "must be positive");
            p.timeout = *d;
        } else {
            p.refresh_margin = *d;
        }
        return {};
    }
    if (key == "allow_insecure_http") {
        auto b = read_bool(cx, v, full);
        if (!b) return b.error();
        p.allow_insecure_http = *b;
        return {};
    }
    auto s = read_string(cx, v, full);
    if (!s) return s.error();
    if (key == "provider") {
        const provider_descriptor* d = find_provider(*s);
        if (!d) return error_at(cx, v.source(), full, "expected " + provider_names());
        p.provider = d;
    } else if (key == "url") urls.url.emplace(*s, v.source());
    else if (key == "api_url") urls.api_url.emplace(*s, v.source());
    else if (key == "token_url") urls.token_url.emplace(*s, v.source());
    else if (key == "ca_file") urls.ca_file.emplace(expand_home(*s), v.source());
    else if (key == "email" || key == "username") p.email = *s;
    else if (key == "api_key") p.api_key = *s;
    else if (key == "client_id") p.client_id = *s;
    else if (key == "scope") p.scope = *s;
    else if (key == "grant") {
        if (*s == "client_credentials") p.grant = oauth2_grant::client_credentials;
        else if (*s == "password") p.grant = oauth2_grant::password;
        else return error_at(cx, v.source(), full, "expected \"client_credentials\" or \"password\"");
    } else if (key == "client_auth") {
        if (*s == "auto") p.client_auth = oauth2_client_auth::auto_detect;
        else if (*s == "basic") p.client_auth = oauth2_client_auth::basic;
        else if (*s == "post") p.client_auth = oauth2_client_auth::post;
        else return error_at(cx, v.source(), full, "expected \"auto\", \"basic\" or \"post\"");
    } else {
        return error_at(cx, v.source(), full, "unknown key");
    }
    return {};
}

bool valid_profile_name(std::string_view n)
{
    if (n.empty() || n.size() > 64)
        return false;
    for (char c : n)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
            return false;
    return true;
}

// Keys a provider does not use are errors, so a misplaced setting is noticed.
config_result<void> check_provider_keys(const context& cx, const toml::table& t, const std::string& prefix,
                                        const profile_config& p)
{
    for (auto&& [k, v] : t)
        if (k.str() != "provider" && k.str() != "api_url" && !p.provider->takes(k.str()))
            return error_at(cx, k.source(), prefix + std::string(k.str()),
                            "not used by " + std::string(p.provider->name) + " profiles");
    return {};
}

config_result<void> require(const context& cx, const toml::table& t, const std::string& prefix,
                            bool present, std::string_view key)
{
    if (present)
        return {};
    return error_at(cx, t.source(), prefix.substr(0, prefix.size() - 1),
                    "missing " + std::string(key) + " (required for this provider)");
}

// Read at load and reload, under the config's own rules, so that a login never touches the
// file (a FIFO there once froze the agent) and a reload changes what is trusted.
boost::system::result<std::shared_ptr<const ca_bundle>, std::string> read_ca_file(const context& cx,
                                                                                 const std::string& path)
{
    if (auto it = cx.ca_files.find(path); it != cx.ca_files.end())
        return it->second;
    auto file = read_checked_file(path, {.max_bytes = max_ca_file_bytes});
    if (!file)
        return file.error();
    if (file->text.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
        return std::string("holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    auto ca = std::make_shared<const ca_bundle>(ca_bundle{path, std::move(file->text)});
    cx.ca_files.emplace(path, ca);
    return ca;
}

// api_url, else url where the provider's url is the API's base (docs/proxy.md). Under the same
// rules as url: plain http to loopback only unless allow_insecure_http; the profile's ca_file.
config_result<void> read_api_url(const context& cx, const std::string& prefix, profile_config& p, const raw_urls& urls)
{
    const auto& raw = urls.api_url ? urls.api_url : p.provider->url_key == "token_url" ? std::nullopt : urls.url;
    if (!raw)
        return {};
    auto e = parse_endpoint(raw->first, p.allow_insecure_http);
    if (!e)
        return error_at(cx, raw->second, prefix + (urls.api_url ? "api_url" : "url"), e.error().message());
    e->ca = p.url.ca;
    p.api_url.value = std::move(*e);
    return {};
}

config_result<void> check_profile(const context& cx, const toml::table& t, const std::string& prefix,
                                  profile_config& p, raw_urls& urls)
{
    if (auto r = check_provider_keys(cx, t, prefix, p); !r)
        return r;
    std::string_view url_key = p.provider->url_key;
    if (!url_key.empty()) {
        auto& url = url_key == "token_url" ? urls.token_url : urls.url;
        if (auto r = require(cx, t, prefix, url.has_value(), url_key); !r) return r;
        auto e = parse_endpoint(url->first, p.allow_insecure_http);
        if (!e)
            return error_at(cx, url->second, prefix + std::string(url_key), e.error().message());
        p.url = std::move(*e);
    }
    if (urls.ca_file) {
        auto ca = read_ca_file(cx, urls.ca_file->first);
        if (!ca)
            return error_at(cx, urls.ca_file->second, prefix + "ca_file", urls.ca_file->first + ": " + ca.error());
        p.url.ca = std::move(*ca);
    }
    if (auto r = read_api_url(cx, prefix, p, urls); !r)
        return r;
    if (std::string_view missing = p.provider->missing_key(p); !missing.empty())
        return require(cx, t, prefix, false, missing);
    if (p.api_secret.how != secret_source::kind::none && p.api_key.empty())
        return error_at(cx, t.source(), prefix.substr(0, prefix.size() - 1), "api_secret needs api_key");
    return {};
}

config_result<profile_config> read_profile(const context& cx, std::string_view name, const toml::table& t)
{
    std::string prefix = "profile." + std::string(name) + ".";
    if (!valid_profile_name(name))
        return error_at(cx, t.source(), prefix.substr(0, prefix.size() - 1),
                        "a profile name is 1-64 letters, digits, '-', '_' or '.'");
    profile_config p;
    p.name = std::string(name);
    p.where.value = cx.path + ":" + std::to_string(t.source().begin.line);
    const toml::node* provider = t.get("provider");
    if (!provider)
        return error_at(cx, t.source(), prefix + "provider", "missing (" + provider_names() + ")");
    raw_urls urls;
    if (auto r = read_profile_key(cx, "provider", *provider, prefix + "provider", p, urls); !r)
        return r.error();
    for (auto&& [k, v] : t) {
        std::string key(k.str());
        if (key == "provider")
            continue;
        if (auto r = read_profile_key(cx, key, v, prefix + key, p, urls); !r)
            return r.error();
    }
    if (auto r = check_profile(cx, t, prefix, p, urls); !r)
        return r.error();
    return p;
}

config_result<void> read_profiles(const context& cx, const toml::node& node, config& c)
{
    const toml::table* profiles = node.as_table();
    if (!profiles)
        return error_at(cx, node.source(), "profile", "expected tables [profile.NAME]");
    for (auto&& [name, v] : *profiles) {
        const toml::table* t = v.as_table();
        if (!t)
            return error_at(cx, v.source(), "profile." + std::string(name.str()), "expected a table [profile.NAME]");
        auto p = read_profile(cx, name.str(), *t);
        if (!p)
            return p.error();
        if (c.profiles.size() >= max_profiles)
            return error_at(cx, v.source(), "profile", "too many profiles");
        c.profiles.push_back(std::move(*p));
    }
    return {};
}

} // namespace

const secret_source& profile_config::primary_secret() const
{
    return provider->primary_secret(*this);
}

void throw_exception_from_error(const config_error& e, const boost::source_location& loc)
{
    boost::throw_exception(std::runtime_error(e.message), loc);
}

std::string default_config_path()
{
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    if (xdg && *xdg == '/')
        return std::string(xdg) + "/tokend/config.toml";
    const char* home = std::getenv("HOME");
    return std::string(home && *home ? home : "") + "/.config/tokend/config.toml";
}

config_result<config> parse_config(std::string_view text, const std::string& path, unsigned mode)
{
    context cx{path, mode};
    toml::table root;
    try {
        root = toml::parse(text, path);
    } catch (const toml::parse_error& e) {
        return error_at(cx, e.source(), "", std::string(e.description()));
    }
    struct wipe_on_exit {
        toml::table& t;
        ~wipe_on_exit() { wipe_strings(t); }
    } wipe{root};
    config c;
    c.path = path;
    for (auto&& [k, v] : root) {
        if (k.str() == "agent") {
            const toml::table* t = v.as_table();
            if (!t)
                return error_at(cx, v.source(), "agent", "expected a table [agent]");
            if (auto r = read_agent(cx, *t, c.agent); !r)
                return r.error();
        } else if (k.str() == "proxy") {
            const toml::table* t = v.as_table();
            if (!t)
                return error_at(cx, v.source(), "proxy", "expected a table [proxy]");
            if (auto r = read_proxy(cx, *t, c.proxy); !r)
                return r.error();
        } else if (k.str() == "profile") {
            if (auto r = read_profiles(cx, v, c); !r)
                return r.error();
        } else {
            return error_at(cx, k.source(), k.str(), "unknown key (expected [agent], [proxy] or [profile.NAME])");
        }
    }
    return c;
}

config_result<config> load_config(const std::string& path)
{
    // As OpenSSH treats ~/.ssh/config: a file others can write could make us run their
    // _command or trust their CA (docs/configuration.md, "Files tokend reads").
    auto file = read_checked_file(path, {.max_bytes = max_config_bytes});
    if (!file)
        return config_error{path + ": " + file.error()};
    auto c = parse_config(file->text, path, file->mode & 0777);
    proto::secure_wipe(file->text); // the file may hold inline secrets
    return c;
}

} // namespace tokend::agent
