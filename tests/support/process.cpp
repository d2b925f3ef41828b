// SPDX-License-Identifier: MIT
#include "process.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

extern char** environ;

namespace tokend::test {
namespace fs = std::filesystem;
namespace json = boost::json;

std::string tokend_bin() { return TOKEND_BIN; }
std::string tok_bin() { return TOK_BIN; }
std::string mockbill_bin() { return MOCKBILL_BIN; }

namespace {

std::string read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> merged_env(const std::vector<std::string>& overrides)
{
    std::map<std::string, std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string kv(*e);
        auto eq = kv.find('=');
        env[kv.substr(0, eq)] = kv;
    }
    for (const auto& kv : overrides) {
        auto eq = kv.find('=');
        if (eq + 1 == kv.size())
            env.erase(kv.substr(0, eq));
        else
            env[kv.substr(0, eq)] = kv;
    }
    std::vector<std::string> out;
    for (auto& [k, v] : env)
        out.push_back(v);
    return out;
}

std::vector<char*> c_strings(std::vector<std::string>& v)
{
    std::vector<char*> out;
    for (auto& s : v)
        out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// Spawns argv with stdin from `stdin_fd` (or /dev/null) and stdout/stderr to files.
pid_t spawn(std::vector<std::string> argv, const std::vector<std::string>& env, int stdin_fd,
            const std::string& out_path, const std::string& err_path)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (stdin_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0);
    else
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    auto envv = merged_env(env);
    auto cargv = c_strings(argv);
    auto cenv = c_strings(envv);
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, cargv[0], &fa, nullptr, cargv.data(), cenv.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        BOOST_FAIL("cannot start " << argv[0] << ": " << std::strerror(rc));
    return pid;
}

int decode_status(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

std::atomic<int> child_counter{0};

} // namespace

temp_dir::temp_dir()
{
    std::string pattern = (fs::temp_directory_path() / "tokend-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
        BOOST_FAIL("mkdtemp: " << std::strerror(errno));
    path_ = pattern;
}

temp_dir::~temp_dir()
{
    std::error_code ec;
    fs::remove_all(path_, ec);
}

std::string temp_dir::write(const std::string& name, const std::string& contents, unsigned mode) const
{
    std::string p = (path_ / name).string();
    fs::create_directories(fs::path(p).parent_path());
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    BOOST_REQUIRE_MESSAGE(fd >= 0, "cannot write " << p);
    BOOST_REQUIRE(::write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size()));
    ::fchmod(fd, mode);
    ::close(fd);
    return p;
}

child::child(std::vector<std::string> argv, std::vector<std::string> env, const std::string& log_dir)
{
    std::string base = log_dir + "/" + fs::path(argv[0]).filename().string() + "." + std::to_string(child_counter++);
    out_path_ = base + ".out";
    err_path_ = base + ".err";
    pid_ = spawn(std::move(argv), env, -1, out_path_, err_path_);
}

child::~child()
{
    if (status_ || pid_ < 0)
        return;
    ::kill(pid_, SIGTERM);
    if (!wait(5s)) {
        ::kill(pid_, SIGKILL);
        wait(5s);
    }
}

void child::signal(int sig) const { ::kill(pid_, sig); }

std::optional<int> child::wait(std::chrono::milliseconds timeout)
{
    auto until = std::chrono::steady_clock::now() + timeout;
    while (!status_) {
        int st = 0;
        pid_t r = ::waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            status_ = decode_status(st);
            break;
        }
        if (std::chrono::steady_clock::now() >= until)
            return std::nullopt;
        std::this_thread::sleep_for(5ms);
    }
    return status_;
}

bool child::running() { return !wait(0ms).has_value(); }
std::string child::out() const { return read_file(out_path_); }
std::string child::err() const { return read_file(err_path_); }

run_result run(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& stdin_text,
               std::chrono::milliseconds timeout)
{
    temp_dir scratch;
    std::string in_path = scratch.write("stdin", stdin_text);
    int in_fd = ::open(in_path.c_str(), O_RDONLY | O_CLOEXEC);
    std::string out_path = (scratch.path() / "out").string(), err_path = (scratch.path() / "err").string();
    pid_t pid = spawn(argv, env, in_fd, out_path, err_path);
    ::close(in_fd);
    run_result r;
    auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int st = 0;
        if (::waitpid(pid, &st, WNOHANG) == pid) {
            r.status = decode_status(st);
            break;
        }
        if (std::chrono::steady_clock::now() >= until) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &st, 0);
            break;
        }
        std::this_thread::sleep_for(2ms);
    }
    r.out = read_file(out_path);
    r.err = read_file(err_path);
    return r;
}

bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds timeout)
{
    auto until = std::chrono::steady_clock::now() + timeout;
    while (!cond()) {
        if (std::chrono::steady_clock::now() >= until)
            return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

namespace {

// Reads from fd until `done(buffer)` or EOF or the deadline.
std::string read_until(int fd, std::chrono::steady_clock::time_point until, const std::function<bool(const std::string&)>& done)
{
    std::string got;
    char buf[65536];
    while (!done(got)) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()).count();
        pollfd p{fd, POLLIN, 0};
        if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0)
            break;
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0)
            break;
        got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
}

} // namespace

std::string ask(const std::string& socket, const std::string& request_line, std::chrono::milliseconds timeout)
{
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return {};
    }
    std::string line = request_line + "\n";
    [[maybe_unused]] auto n = ::send(fd, line.data(), line.size(), MSG_NOSIGNAL);
    std::string answer = read_until(fd, std::chrono::steady_clock::now() + timeout,
                                    [](const std::string& s) { return s.find('\n') != std::string::npos; });
    ::close(fd);
    if (auto nl = answer.find('\n'); nl != std::string::npos)
        answer.resize(nl);
    return answer;
}

mockbill::mockbill(const temp_dir& dir, std::vector<std::string> extra_args)
{
    std::string port_file = (dir.path() / ("mockbill" + std::to_string(child_counter) + ".port")).string();
    std::vector<std::string> argv{mockbill_bin(), "--port-file", port_file, "--quiet"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    child_ = std::make_unique<child>(argv, std::vector<std::string>{}, dir.path().string());
    BOOST_REQUIRE_MESSAGE(wait_for([&] { return fs::exists(port_file); }), "mockbill did not start: " << child_->err());
    port_ = std::stoi(read_file(port_file));
}

std::pair<int, std::string> mockbill::http(const std::string& method, const std::string& target, const std::string& body,
                                           const std::vector<std::string>& headers) const
{
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE_MESSAGE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "cannot reach mockbill");
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    for (const auto& h : headers)
        req += h + "\r\n";
    if (!body.empty() || method == "POST")
        req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    [[maybe_unused]] auto n = ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    std::string resp = read_until(fd, std::chrono::steady_clock::now() + 10s, [](const std::string&) { return false; });
    ::close(fd);
    int status = 0;
    std::sscanf(resp.c_str(), "HTTP/1.1 %d", &status);
    auto split = resp.find("\r\n\r\n");
    return {status, split == std::string::npos ? std::string() : resp.substr(split + 4)};
}

std::string mockbill::control(const std::string& target, const std::string& json_body) const
{
    auto [status, body] = http("POST", target, json_body);
    BOOST_REQUIRE_MESSAGE(status == 200, "mockbill " << target << " answered " << status << ": " << body);
    return body;
}

std::string mockbill::stats() const { return http("GET", "/_mock/stats").second; }

long mockbill::stat(const std::string& api_dot_counter) const
{
    auto dot = api_dot_counter.find('.');
    json::value v = json::parse(stats());
    return static_cast<long>(v.at(api_dot_counter.substr(0, dot)).at(api_dot_counter.substr(dot + 1)).as_int64());
}

agent::agent(const temp_dir& dir, const std::string& config_toml, std::vector<std::string> env,
             std::vector<std::string> extra_args)
{
    static std::atomic<int> n{0};
    std::string tag = std::to_string(n++);
    config_ = dir.write("config" + tag + ".toml", config_toml, 0600);
    socket_ = (dir.path() / ("agent" + tag + ".sock")).string();
    std::vector<std::string> argv{tokend_bin(), "--config", config_, "--socket", socket_};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    child_ = std::make_unique<child>(argv, env, dir.path().string());
    bool up = wait_for([&] { return test::ask(socket_, R"({"op":"hello"})", 1s).find("\"ok\":true") != std::string::npos
                                    || !child_->running(); });
    BOOST_REQUIRE_MESSAGE(up && child_->running(), "tokend did not start: " << child_->err());
}

run_result agent::tok(std::vector<std::string> args, const std::string& stdin_text, const std::vector<std::string>& env) const
{
    std::vector<std::string> argv{tok_bin(), "--socket", socket_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, env, stdin_text);
}

std::string random_hex(std::size_t bytes)
{
    std::ifstream in("/dev/urandom", std::ios::binary);
    std::string raw(bytes, '\0');
    in.read(raw.data(), static_cast<std::streamsize>(bytes));
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

} // namespace tokend::test
