// SPDX-License-Identifier: MIT
// tok curl: curl with the profile's headers, and one retry with a fresh token on HTTP 401.
//
// The headers reach curl as `-H @/dev/fd/N`, N a memfd: never in argv (visible in ps) nor
// in the environment. The final HTTP status comes from `-D /dev/fd/M`, another memfd, which
// leaves curl's stdout and -w to the user. When the request can be replayed, the first
// attempt's stdout goes to a third memfd and reaches tok's stdout only when no retry follows,
// so a 401 body never mixes with the retry's output; the cost is that this output arrives when
// curl ends rather than streamed (use -o FILE for large downloads).
#include "child.hpp"
#include "commands.hpp"
#include "curl_args.hpp"
#include "report.hpp"

#include <tok/client.hpp>
#include <tokend/proto/wipe.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace tok::cli {
namespace {

class fd_guard {
public:
    explicit fd_guard(int fd) : fd_(fd) {}
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    ~fd_guard()
    {
        if (fd_ >= 0)
            ::close(fd_);
    }
    int get() const { return fd_; }

private:
    int fd_;
};

struct attempt_result {
    int failed = -1;                // tok's exit code when curl did not run, else -1
    int wait_status = 0;            // curl's, when it ran
    std::optional<int> http_status; // none when curl did not run, failed early, or -D was the user's
};

// curl's exit code or death by signal becomes tok's (only once any captured output is out).
int finish(const attempt_result& r)
{
    return r.failed >= 0 ? r.failed : pass_on(r.wait_status);
}

std::string curl_program()
{
    const char* env = std::getenv("TOK_CURL"); // another curl, e.g. a wrapper in tests
    return env && *env ? env : "curl";
}

// Writes the header lines into a fresh memfd; the memfd is truncated again once curl ran.
int header_file(const tok::token& t)
{
    int fd = make_memfd("tok-headers");
    if (fd < 0)
        return -1;
    std::string lines;
    for (const auto& [name, value] : t.headers)
        lines.append(name).append(": ").append(value).append("\n");
    bool ok = ::pwrite(fd, lines.data(), lines.size(), 0) == static_cast<ssize_t>(lines.size());
    tokend::proto::secure_wipe(lines);
    if (!ok) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// One run of curl. `capture_fd` >= 0 receives curl's stdout instead of tok's stdout.
attempt_result attempt(const tok::token& t, const invocation& inv, const curl_arg_facts& facts, int capture_fd)
{
    attempt_result r;
    fd_guard headers(header_file(t));
    fd_guard dump(facts.dumps_headers ? -1 : make_memfd("tok-response-headers"));
    if (headers.get() < 0 || (!facts.dumps_headers && dump.get() < 0)) {
        r.failed = report(exit_error, std::string("creating a memfd: ") + std::strerror(errno));
        return r;
    }
    std::vector<std::string> argv{curl_program()};
    auto rest = inv.passthrough.begin();
    if (rest != inv.passthrough.end() && (*rest == "-q" || *rest == "--disable"))
        argv.push_back(*rest++); // curl honours "skip ~/.curlrc" only as its first argument
    argv.insert(argv.end(), {"-H", "@/dev/fd/" + std::to_string(headers.get())});
    if (dump.get() >= 0)
        argv.insert(argv.end(), {"-D", "/dev/fd/" + std::to_string(dump.get())});
    // curl shows its progress meter when stdout is not a terminal; a capture must not make it
    // appear where plain curl would show none.
    if (capture_fd >= 0 && ::isatty(STDOUT_FILENO) && !facts.wants_progress)
        argv.emplace_back("--no-progress-meter");
    argv.insert(argv.end(), rest, inv.passthrough.end());

    int handed[] = {headers.get(), dump.get()};
    child_result c = run_child(argv, std::span(handed, dump.get() >= 0 ? 2 : 1), capture_fd);
    // The token leaves memory as soon as curl is done with it; should truncating fail, the
    // descriptor still closes on return.
    [[maybe_unused]] int truncated = ::ftruncate(headers.get(), 0);
    if (c.spawn_errno || c.exec_errno) {
        int e = c.spawn_errno ? c.spawn_errno : c.exec_errno;
        r.failed = e == ENOENT ? report(127, argv[0] + ": command not found (install curl, or set TOK_CURL)")
                               : report(126, "running " + argv[0] + ": " + std::strerror(e));
        return r;
    }
    r.wait_status = c.wait_status;
    std::string dumped;
    if (dump.get() >= 0 && read_memfd(dump.get(), dumped))
        r.http_status = final_http_status(dumped);
    return r;
}

} // namespace

int run_curl(const invocation& inv, tok::client& c)
{
    const std::string& profile = inv.operands[0];
    curl_arg_facts facts = scan_curl_args(inv.passthrough);
    bool retry_possible = replayable(facts) && !facts.dumps_headers;

    std::error_code ec;
    tok::token first = c.get(profile, ec);
    if (ec)
        return report_failure(ec);
    fd_guard capture(retry_possible ? make_memfd("tok-curl-stdout") : -1);
    if (retry_possible && capture.get() < 0)
        return report(exit_error, std::string("creating a memfd: ") + std::strerror(errno));

    attempt_result r = attempt(first, inv, facts, capture.get());
    if (r.http_status != 401) {
        if (capture.get() >= 0 && !copy_memfd(capture.get(), STDOUT_FILENO))
            return report(exit_error, std::string("writing to stdout: ") + std::strerror(errno));
        return finish(r);
    }
    // The API refused the token: report exactly that token, so a newer one is not dropped.
    if (c.invalidate(profile, first.id, ec); ec)
        report_failure(ec);
    if (!retry_possible) // stdin was consumed: the 401 answer stands
        return finish(r);

    tok::token fresh = c.get(profile, ec);
    if (ec)
        return report_failure(ec);
    return finish(attempt(fresh, inv, facts, -1));
}

} // namespace tok::cli
