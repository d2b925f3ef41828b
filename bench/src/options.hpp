// SPDX-License-Identifier: MIT
// tokend-bench's command line: what to drive, how hard, and what to report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tokend::bench {

enum class wire {
    line, // one request line, one answer line, on a connection that may carry many (tokend)
    git,  // git credential-cache: request, write shutdown, answer until EOF; one per connection
};

enum class mode {
    load,         // run the load and print one result line
    print_answer, // send the request once and print the raw answer (sizes the floor's response)
    launch,       // start a server command, time it until it answers, leave it running
};

struct options {
    mode what = mode::load;
    std::string socket;
    wire protocol = wire::line;
    std::string request = R"({"op":"get","profile":"s"})";
    std::vector<std::string> request_list; // --request-file: requests sent in turn
    int connections = 1;
    bool per_request = false;      // a fresh connection for every request
    std::uint64_t requests = 100000; // measured requests
    std::uint64_t warmup = 2000;     // requests answered before measuring starts
    int idle = 0;                    // extra connections held open (after one hello each)
    int server_pid = 0;              // report this process's CPU time per request
    int cpu = -1;                    // pin the load generator to this CPU
    double timeout_s = 30;           // give up when nothing moves for this long
    std::string log;                 // launch: the server's stdout and stderr
    std::vector<std::string> command; // launch: the server command
};

// Parses argv; prints usage and returns nullopt on a usage error.
std::optional<options> parse_options(int argc, char** argv);

} // namespace tokend::bench
