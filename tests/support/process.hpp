// SPDX-License-Identifier: MIT
// Test harness for real processes: spawn tokend, tok and mockbill on private sockets and
// ports, talk to them, and always clean up. Paths to the built binaries come from the
// compile definitions TOKEND_BIN, TOK_BIN and MOCKBILL_BIN.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace tokend::test {

using namespace std::chrono_literals;

std::string tokend_bin();
std::string tok_bin();
std::string mockbill_bin();

// A fresh directory under $TMPDIR, removed with its contents on destruction.
class temp_dir {
public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    // Writes `contents` to path()/name with `mode`, returns the full path.
    std::string write(const std::string& name, const std::string& contents, unsigned mode = 0600) const;

private:
    std::filesystem::path path_;
};

// A child process; stdout and stderr go to files so nothing can block on a full pipe.
// The destructor sends SIGTERM, waits up to 5 s, then SIGKILLs.
class child {
public:
    // `env` entries are "NAME=value" added to (or replacing in) the test's environment;
    // "NAME=" with nothing after '=' removes NAME.
    child(std::vector<std::string> argv, std::vector<std::string> env, const std::string& log_dir);
    ~child();
    child(const child&) = delete;
    child& operator=(const child&) = delete;

    pid_t pid() const { return pid_; }
    void signal(int sig) const;
    // Exit status (as from waitpid's WEXITSTATUS, or 128+signal), or nullopt on timeout.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    bool running();
    std::string out() const; // everything written to stdout so far
    std::string err() const; // everything written to stderr so far

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    std::string out_path_, err_path_;
};

struct run_result {
    int status = -1; // exit status, 128+signal, or -1 on timeout
    std::string out, err;
};
// Runs argv to completion with `stdin_text` on its stdin.
run_result run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
               const std::string& stdin_text = {}, std::chrono::milliseconds timeout = 30s);

// Polls `cond` every few milliseconds until it holds or `timeout` passes.
bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds timeout = 10s);

// One request line to a Unix socket, one answer line back (a fresh connection each time).
std::string ask(const std::string& socket, const std::string& request_line, std::chrono::milliseconds timeout = 10s);

// mockbill on 127.0.0.1 with an ephemeral port.
class mockbill {
public:
    explicit mockbill(const temp_dir& dir, std::vector<std::string> extra_args = {});
    int port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    // A blocking HTTP call to mockbill: returns the status and body.
    std::pair<int, std::string> http(const std::string& method, const std::string& target, const std::string& body = {},
                                     const std::vector<std::string>& headers = {}) const;
    // POST /_mock/... with a JSON body; fails the test unless 200.
    std::string control(const std::string& target, const std::string& json_body) const;
    // GET /_mock/stats, then the integer at "api.counter" (e.g. "aviate.logins_ok").
    long stat(const std::string& api_dot_counter) const;
    std::string stats() const;
    child& process() { return *child_; }

private:
    std::unique_ptr<child> child_;
    int port_ = 0;
};

// tokend with `config_toml` written to dir/config.toml (mode 0600) and its own socket.
class agent {
public:
    agent(const temp_dir& dir, const std::string& config_toml, std::vector<std::string> env = {},
          std::vector<std::string> extra_args = {});
    const std::string& socket() const { return socket_; }
    const std::string& config_path() const { return config_; }
    child& process() { return *child_; }
    std::string ask(const std::string& request_line) const { return test::ask(socket_, request_line); }
    // Runs `tok --socket S args...`.
    run_result tok(std::vector<std::string> args, const std::string& stdin_text = {},
                   const std::vector<std::string>& env = {}) const;
    std::string log() const { return child_->err(); }

private:
    std::string socket_, config_;
    std::unique_ptr<child> child_;
};

// `bytes` random bytes from /dev/urandom as lowercase hex: secrets that no test output may
// show, distinct in every run.
std::string random_hex(std::size_t bytes);

} // namespace tokend::test
