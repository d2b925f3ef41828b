// SPDX-License-Identifier: MIT
#include "sys/cli.hpp"

#include <getopt.h>

#include <cstdio>

namespace tokend::agent {

void print_usage(bool to_stderr)
{
    std::fputs("usage: tokend [--config PATH] [--socket PATH] [--log-level error|warn|info|debug] [--check]\n"
               "       tokend --version | --help\n"
               "Holds API credentials, keeps their tokens fresh, and serves them to `tok` over a Unix socket.\n"
               "  --config PATH     config file (default $XDG_CONFIG_HOME/tokend/config.toml)\n"
               "  --socket PATH     listening socket (default $TOKEND_SOCK, [agent] socket, $XDG_RUNTIME_DIR/tokend/socket)\n"
               "  --log-level L     error, warn, info (default) or debug\n"
               "  --check           validate the config and every secret it can read without using it\n"
               "                    (_command secrets are not run), then exit 0 or 1\n"
               "See tokend(8) and tokend.toml(5).\n",
               to_stderr ? stderr : stdout);
}

std::optional<options> parse_options(int argc, char** argv)
{
    static const option longopts[] = {
        {"config", required_argument, nullptr, 'c'},  {"socket", required_argument, nullptr, 's'},
        {"log-level", required_argument, nullptr, 'l'}, {"check", no_argument, nullptr, 'k'},
        {"help", no_argument, nullptr, 'h'},          {"version", no_argument, nullptr, 'V'},
        {nullptr, 0, nullptr, 0},
    };
    options o;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+c:s:l:hV", longopts, nullptr)) != -1) {
        switch (c) {
        case 'c': o.config = optarg; break;
        case 's': o.socket = optarg; break;
        case 'l':
            o.log_level = log::parse_level(optarg);
            if (!o.log_level) {
                std::fprintf(stderr, "tokend: --log-level: expected error, warn, info or debug, not '%s'\n", optarg);
                return std::nullopt;
            }
            break;
        case 'k': o.check = true; break;
        case 'h': o.help = true; break;
        case 'V': o.version = true; break;
        default:
            std::fprintf(stderr, "tokend: unknown or incomplete option '%s'\n", argv[optind - 1]);
            print_usage(true);
            return std::nullopt;
        }
    }
    if (optind < argc) {
        std::fprintf(stderr, "tokend: unexpected argument '%s'\n", argv[optind]);
        print_usage(true);
        return std::nullopt;
    }
    return o;
}

} // namespace tokend::agent
