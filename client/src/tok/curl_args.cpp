// SPDX-License-Identifier: MIT
// Knowledge of curl 7.88's options, limited to what decides replay. Unknown options are
// assumed to take no value; a misjudged value can at worst make a request look
// non-replayable, which only costs the retry.
#include "curl_args.hpp"

#include <array>
#include <charconv>

namespace tok::cli {
namespace {

// Short options that take a value (curl --help all).
constexpr std::string_view short_with_value = "AbcCdDeEFHKmoPQrtTuUwxXyYz";

enum class kind { other, data, upload, form, config, header, cookie, dump_header, progress };

struct long_option {
    std::string_view name;
    kind k;
};

constexpr std::array<long_option, 20> long_options = {{
    {"--data", kind::data},           {"--data-ascii", kind::data},     {"--data-binary", kind::data},
    {"--data-urlencode", kind::data}, {"--json", kind::data},           {"--url-query", kind::data},
    {"--upload-file", kind::upload},  {"--form", kind::form},           {"--config", kind::config},
    {"--header", kind::header},       {"--proxy-header", kind::header}, {"--write-out", kind::header},
    {"--cookie", kind::cookie},       {"--dump-header", kind::dump_header},
    {"--progress-bar", kind::progress}, {"--progress-meter", kind::progress},
    // Options whose value must be skipped but does not matter.
    {"--data-raw", kind::other},      {"--form-string", kind::other},   {"--output", kind::other},
    {"--url", kind::other},
}};

kind short_kind(char c)
{
    switch (c) {
    case 'd': return kind::data;
    case 'T': return kind::upload;
    case 'F': return kind::form;
    case 'K': return kind::config;
    case 'H': case 'w': return kind::header;
    case 'b': return kind::cookie;
    case 'D': return kind::dump_header;
    case '#': return kind::progress;
    default: return kind::other;
    }
}

bool ends_with(std::string_view s, std::string_view tail)
{
    return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// Does this option's value make curl read stdin?
bool reads_stdin(kind k, std::string_view v)
{
    switch (k) {
    case kind::data: return ends_with(v, "@-"); // "@-", and --data-urlencode "name@-"
    case kind::upload: return v == "-" || v == ".";
    case kind::form: return v.find("=@-") != v.npos || v.find("=<-") != v.npos;
    case kind::config: return v == "-";
    case kind::header: return v == "@-";
    case kind::cookie: return v == "-";
    default: return false;
    }
}

void note(curl_arg_facts& f, kind k, std::string_view value)
{
    if (k == kind::dump_header)
        f.dumps_headers = true;
    if (k == kind::progress)
        f.wants_progress = true;
    if (reads_stdin(k, value))
        f.reads_stdin = true;
}

// A bundle like "-sSd@-": flags, then possibly one option whose value is the rest or the next
// argument. Returns whether the next argument was consumed as a value.
bool scan_short_bundle(curl_arg_facts& f, std::string_view bundle, const std::string* next)
{
    for (std::size_t j = 1; j < bundle.size(); ++j) {
        char c = bundle[j];
        kind k = short_kind(c);
        if (short_with_value.find(c) == std::string_view::npos) {
            note(f, k, {});
            continue;
        }
        if (j + 1 < bundle.size()) {
            note(f, k, bundle.substr(j + 1));
            return false;
        }
        note(f, k, next ? std::string_view(*next) : std::string_view());
        return next != nullptr;
    }
    return false;
}

} // namespace

curl_arg_facts scan_curl_args(const std::vector<std::string>& args)
{
    curl_arg_facts f;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view a = args[i];
        const std::string* next = i + 1 < args.size() ? &args[i + 1] : nullptr;
        if (a.starts_with("--")) {
            for (const auto& o : long_options) {
                if (a != o.name)
                    continue;
                bool value = o.k != kind::progress;
                note(f, o.k, value && next ? std::string_view(*next) : std::string_view());
                if (value && next)
                    ++i;
            }
        } else if (a.size() > 1 && a[0] == '-') {
            if (scan_short_bundle(f, a, next))
                ++i;
        }
    }
    return f;
}

std::optional<int> final_http_status(std::string_view dump)
{
    std::optional<int> status;
    std::size_t pos = 0;
    while (pos < dump.size()) {
        std::size_t end = dump.find('\n', pos);
        std::string_view line = dump.substr(pos, end == dump.npos ? dump.npos : end - pos);
        pos = end == dump.npos ? dump.size() : end + 1;
        if (!line.starts_with("HTTP/"))
            continue;
        std::size_t sp = line.find(' ');
        if (sp == line.npos)
            continue;
        int code = 0;
        auto [p, ec] = std::from_chars(line.data() + sp + 1, line.data() + line.size(), code);
        if (ec == std::errc() && code >= 100 && code <= 999)
            status = code;
    }
    return status;
}

} // namespace tok::cli
