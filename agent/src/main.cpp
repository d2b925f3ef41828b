// SPDX-License-Identifier: MIT
// tokend: argv -> hardening -> config -> secrets -> the daemon, or with --check a verdict.
#include "engine/agent.hpp"
#include "sys/cli.hpp"
#include "config/config.hpp"
#include "sys/daemon.hpp"
#include "sys/hardening.hpp"
#include "sys/log.hpp"
#include "sys/socket_setup.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>

using namespace tokend::agent;

namespace {

// A missing config at the default path is an empty agent (socket activation on a fresh
// install must not crash-loop); a missing file the user named is an error, and so is a
// missing one for --check, which has nothing to vouch for.
config_result<config> load(const options& opts)
{
    std::string path = opts.config.value_or(default_config_path());
    struct stat st {};
    if (!opts.config && !opts.check && ::stat(path.c_str(), &st) != 0) {
        log::warn(path, " does not exist: starting with no profiles");
        return config{path, {}, {}, {}};
    }
    return load_config(path);
}

// The checks a start makes, with the same messages, minus binding and contacting anything.
// Unlike a start it reports every secret it cannot read, not only the first. A _command
// secret is not run: running it is using it (and may prompt, or count against a quota). A
// _credential secret outside systemd has no $CREDENTIALS_DIRECTORY to be read from.
int check(const options& opts, const config& cfg)
{
    int problems = 0, commands = 0, credentials = 0;
    const char* credentials_dir = std::getenv("CREDENTIALS_DIRECTORY");
    bool in_service = credentials_dir && *credentials_dir;
    secret_file_cache files;
    for (const profile_config& p : cfg.profiles)
        for (const secret_source* s : {&p.password, &p.api_secret, &p.client_secret, &p.token}) {
            if (s->how == secret_source::kind::command) {
                ++commands;
                continue;
            }
            if (s->how == secret_source::kind::credential && !in_service) {
                ++credentials;
                continue;
            }
            if (auto value = files.read(*s); !value) {
                log::error(value.error().message());
                ++problems;
            }
        }
    if (auto problem = socket_path_problem(choose_socket_path(opts.socket, cfg.agent.socket))) {
        log::error(*problem);
        ++problems;
    }
    if (problems)
        return 1;
    auto count = [](int n, const char* what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); };
    std::string notes;
    if (commands)
        notes += "; " + count(commands, "_command secret") + " not run";
    if (credentials)
        notes += "; " + count(credentials, "_credential secret") + " not read outside systemd";
    std::printf("%s: OK (%s%s)\n", cfg.path.c_str(), count(static_cast<int>(cfg.profiles.size()), "profile").c_str(),
                notes.c_str());
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    auto opts = parse_options(argc, argv);
    if (!opts)
        return 2;
    if (opts->help) {
        print_usage(false);
        return 0;
    }
    if (opts->version) {
        std::printf("tokend %s\n", TOKEND_VERSION);
        return 0;
    }
    log::set_style(log::stderr_is_journal() ? log::style::journal
                   : opts->check            ? log::style::plain
                                            : log::style::timestamped);
    if (opts->log_level)
        log::set_level(*opts->log_level);
    // Before the first secret is read: the locked heap must exist by then for secrets to
    // land in it, and no core dump may catch one mid-read.
    harden_process();

    auto cfg = load(*opts);
    if (!cfg) {
        log::error(cfg.error().message);
        return 1;
    }
    if (!opts->log_level)
        log::set_level(cfg->agent.log_level.value_or(log::level::info));
    if (opts->check)
        return check(*opts, *cfg);
    auto secrets = read_all_secrets(*cfg);
    if (!secrets) {
        log::error(secrets.error());
        return 1;
    }
    return run_daemon(*opts, std::move(*cfg), std::move(*secrets));
}
