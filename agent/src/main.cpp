// SPDX-License-Identifier: MIT
// tokend: argv -> config -> secrets -> hardening -> the daemon.
#include "agent.hpp"
#include "cli.hpp"
#include "config.hpp"
#include "daemon.hpp"
#include "hardening.hpp"
#include "log.hpp"

#include <sys/stat.h>

#include <cstdio>

using namespace tokend::agent;

namespace {

// A missing config at the default path is an empty agent (socket activation on a fresh
// install must not crash-loop); a missing file the user named is an error.
config_result<config> load(const options& opts)
{
    std::string path = opts.config.value_or(default_config_path());
    struct stat st {};
    if (!opts.config && ::stat(path.c_str(), &st) != 0) {
        log::warn(path, " does not exist: starting with no profiles");
        return config{path, {}, {}};
    }
    return load_config(path);
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
    log::set_journal(log::stderr_is_journal());
    if (opts->log_level)
        log::set_level(*opts->log_level);

    auto cfg = load(*opts);
    if (!cfg) {
        log::error(cfg.error().message);
        return 1;
    }
    if (!opts->log_level)
        log::set_level(cfg->agent.log_level.value_or(log::level::info));
    auto secrets = read_all_secrets(*cfg);
    if (!secrets) {
        log::error(secrets.error());
        return 1;
    }
    if (opts->check) {
        std::printf("%s: OK (%zu profile%s)\n", cfg->path.c_str(), cfg->profiles.size(), cfg->profiles.size() == 1 ? "" : "s");
        return 0;
    }
    harden_process();
    return run_daemon(*opts, std::move(*cfg), std::move(*secrets));
}
