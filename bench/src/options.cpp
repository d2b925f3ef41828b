// SPDX-License-Identifier: MIT
#include "options.hpp"

#include <getopt.h>

#include <cstdio>
#include <fstream>
#include <cstdlib>

namespace tokend::bench {
namespace {

void usage()
{
    std::fputs(
        "usage: tokend-bench --socket PATH [options]                 drive a server, print one result line\n"
        "       tokend-bench --socket PATH --print-answer [--request R] print one raw answer\n"
        "       tokend-bench --socket PATH --launch [--log F] -- CMD... start CMD, time it to its first answer\n"
        "options:\n"
        "  --protocol line|git   line: NDJSON request/answer lines (default); git: credential-cache\n"
        "  --request TEXT        the request (line: without newline; default a get of profile s)\n"
        "  --request-file F      line protocol: one request per line, sent in turn\n"
        "  --connections C       concurrent connections, one request in flight each (default 1)\n"
        "  --per-request         a fresh connection for every request\n"
        "  --requests N          measured requests (default 100000)\n"
        "  --warmup N            requests before measuring (default 2000)\n"
        "  --idle K              extra connections held open during the run\n"
        "  --server-pid PID      report PID's CPU time per measured request\n"
        "  --cpu N               pin this process to CPU N\n"
        "  --timeout S           fail when nothing moves for S seconds (default 30)\n",
        stderr);
}

} // namespace

std::optional<options> parse_options(int argc, char** argv)
{
    enum { o_socket = 1, o_protocol, o_request, o_connections, o_per_request, o_requests, o_warmup, o_idle,
           o_server_pid, o_cpu, o_timeout, o_print, o_launch, o_log, o_request_file, o_help };
    static const option longs[] = {
        {"socket", required_argument, nullptr, o_socket},       {"protocol", required_argument, nullptr, o_protocol},
        {"request", required_argument, nullptr, o_request},     {"connections", required_argument, nullptr, o_connections},
        {"per-request", no_argument, nullptr, o_per_request},   {"requests", required_argument, nullptr, o_requests},
        {"warmup", required_argument, nullptr, o_warmup},       {"idle", required_argument, nullptr, o_idle},
        {"server-pid", required_argument, nullptr, o_server_pid}, {"cpu", required_argument, nullptr, o_cpu},
        {"timeout", required_argument, nullptr, o_timeout},     {"print-answer", no_argument, nullptr, o_print},
        {"launch", no_argument, nullptr, o_launch},             {"log", required_argument, nullptr, o_log},
        {"request-file", required_argument, nullptr, o_request_file}, {"help", no_argument, nullptr, o_help},                 {nullptr, 0, nullptr, 0}};
    options o;
    int c;
    while ((c = ::getopt_long(argc, argv, "+", longs, nullptr)) != -1) {
        std::string arg = optarg ? optarg : "";
        switch (c) {
        case o_socket: o.socket = arg; break;
        case o_protocol:
            if (arg != "line" && arg != "git") {
                usage();
                return std::nullopt;
            }
            o.protocol = arg == "git" ? wire::git : wire::line;
            break;
        case o_request: o.request = arg; break;
        case o_request_file: {
            std::ifstream in(arg);
            for (std::string line; std::getline(in, line);)
                if (!line.empty())
                    o.request_list.push_back(line + '\n');
            if (o.request_list.empty()) {
                std::fprintf(stderr, "tokend-bench: no requests in %s\n", arg.c_str());
                return std::nullopt;
            }
            break;
        }
        case o_connections: o.connections = std::atoi(arg.c_str()); break;
        case o_per_request: o.per_request = true; break;
        case o_requests: o.requests = std::strtoull(arg.c_str(), nullptr, 10); break;
        case o_warmup: o.warmup = std::strtoull(arg.c_str(), nullptr, 10); break;
        case o_idle: o.idle = std::atoi(arg.c_str()); break;
        case o_server_pid: o.server_pid = std::atoi(arg.c_str()); break;
        case o_cpu: o.cpu = std::atoi(arg.c_str()); break;
        case o_timeout: o.timeout_s = std::atof(arg.c_str()); break;
        case o_print: o.what = mode::print_answer; break;
        case o_launch: o.what = mode::launch; break;
        case o_log: o.log = arg; break;
        default: usage(); return std::nullopt;
        }
    }
    for (int i = optind; i < argc; ++i)
        o.command.emplace_back(argv[i]);
    bool ok = !o.socket.empty() && o.connections >= 1 && o.requests >= 1 && o.idle >= 0
              && (o.what == mode::launch) == !o.command.empty();
    if (o.protocol == wire::git && !o.per_request && o.what == mode::load)
        ok = false; // git's daemon answers one request per connection
    if (!ok) {
        usage();
        return std::nullopt;
    }
    if (o.protocol == wire::line && (o.request.empty() || o.request.back() != '\n'))
        o.request += '\n';
    return o;
}

} // namespace tokend::bench
