// SPDX-License-Identifier: MIT
// What tok curl needs to know about curl's arguments, without running curl: whether the
// request can be sent twice, whether the user took over header dumping or the progress meter,
// and which HTTP status a dump of response headers ends with. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tok::cli {

struct curl_arg_facts {
    bool reads_stdin = false;   // a body, upload, form part, header or config file read from stdin
    bool dumps_headers = false; // -D/--dump-header: the user's, which would replace ours
    bool wants_progress = false; // -#/--progress-bar/--progress-meter
};

// Scans curl's arguments (not including "curl" itself). Short options may be bundled
// ("-sSd@-"); an option's value may be attached ("-d@-") or the next argument.
curl_arg_facts scan_curl_args(const std::vector<std::string>& args);

// A request that reads stdin cannot be sent again: the first attempt consumed it.
inline bool replayable(const curl_arg_facts& f)
{
    return !f.reads_stdin;
}

// The status code of the last response in a header dump (after redirects and "100 Continue"
// interim responses, the final one), or none when there is no status line.
std::optional<int> final_http_status(std::string_view header_dump);

} // namespace tok::cli
