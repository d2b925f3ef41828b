// SPDX-License-Identifier: MIT
#include "load.hpp"

#include "proc_stats.hpp"

#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <deque>
#include <stdexcept>
#include <thread>

namespace tokend::bench {
namespace {

std::uint64_t now_ns()
{
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

[[noreturn]] void fail(const std::string& what)
{
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

sockaddr_un address_of(const std::string& path)
{
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path.size() >= sizeof a.sun_path)
        throw std::runtime_error("socket path too long: " + path);
    std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
    return a;
}

// A connected socket, or -1 when the listen backlog is full (EAGAIN): try again later.
int try_connect(const sockaddr_un& a, bool nonblocking)
{
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        fail("socket");
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0)
        return fd;
    int e = errno;
    ::close(fd);
    errno = e;
    if (e == EAGAIN)
        return -1;
    fail("connect");
}

int connect_blocking(const sockaddr_un& a)
{
    for (;;) {
        int fd = try_connect(a, false);
        if (fd >= 0)
            return fd;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
}

void send_all(int fd, const std::string& bytes)
{
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    // Requests are a few dozen bytes into an empty socket buffer: they always go at once.
    if (n != static_cast<ssize_t>(bytes.size()))
        fail("send");
}

// Reads one answer on a blocking socket: a line, or (git) everything until EOF.
std::string read_answer(int fd, wire w)
{
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0)
            fail("read");
        if (n == 0)
            return out;
        out.append(buf, static_cast<std::size_t>(n));
        if (w == wire::line && out.back() == '\n')
            return out;
    }
}

struct client {
    int fd = -1;
    std::uint64_t sent_at = 0;
    bool first_chunk = true; // the next bytes read start an answer
    bool ok = true;
};

class load_run {
public:
    explicit load_run(const options& o) : o_(o), addr_(address_of(o.socket)), clients_(o.connections)
    {
        ep_ = ::epoll_create1(EPOLL_CLOEXEC);
        if (ep_ < 0)
            fail("epoll_create1");
        r_.latencies_ns.reserve(o.requests);
    }
    ~load_run()
    {
        for (client& c : clients_)
            if (c.fd >= 0)
                ::close(c.fd);
        for (int fd : idle_)
            ::close(fd);
        ::close(ep_);
    }

    load_result run();

private:
    void open_idle();
    void start(std::size_t i);
    void watch(std::size_t i);
    void on_readable(std::size_t i);
    void finished(std::size_t i);
    void retry_connects();

    const options& o_;
    sockaddr_un addr_;
    std::vector<client> clients_;
    std::vector<int> idle_;
    std::deque<std::size_t> waiting_connect_;
    int ep_ = -1;
    std::uint64_t total_ = 0, issued_ = 0, answered_ = 0, measure_from_ = 0;
    std::uint64_t cpu_at_start_ = 0;
    load_result r_;
    char buf_[65536];
};

// Idle connections each say hello first, so the server surely holds them as sessions.
void load_run::open_idle()
{
    const std::string hello = "{\"op\":\"hello\"}\n";
    for (int k = 0; k < o_.idle; ++k) {
        int fd = connect_blocking(addr_);
        send_all(fd, hello);
        if (read_answer(fd, wire::line).empty())
            throw std::runtime_error("an idle connection was closed by the server");
        idle_.push_back(fd);
    }
}

// Sends the next request on client i (connecting first when each request gets a connection).
void load_run::start(std::size_t i)
{
    client& c = clients_[i];
    if (issued_ >= total_)
        return;
    std::uint64_t t = now_ns();
    if (o_.per_request) {
        c.fd = try_connect(addr_, true);
        if (c.fd < 0) {
            ++r_.connect_retries;
            waiting_connect_.push_back(i);
            return;
        }
        watch(i);
    }
    const std::string& request = o_.request_list.empty() ? o_.request : o_.request_list[issued_ % o_.request_list.size()];
    ++issued_;
    c.sent_at = t;
    c.first_chunk = true;
    send_all(c.fd, request);
    if (o_.protocol == wire::git)
        ::shutdown(c.fd, SHUT_WR);
}

void load_run::watch(std::size_t i)
{
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    if (::epoll_ctl(ep_, EPOLL_CTL_ADD, clients_[i].fd, &ev) != 0)
        fail("epoll_ctl");
}

void load_run::on_readable(std::size_t i)
{
    client& c = clients_[i];
    ssize_t n = ::recv(c.fd, buf_, sizeof buf_, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n < 0 && o_.protocol == wire::line)
        fail("recv");
    if (n > 0 && c.first_chunk) {
        c.first_chunk = false;
        c.ok = o_.protocol == wire::git || (n >= 10 && std::memcmp(buf_, "{\"ok\":true", 10) == 0);
    }
    if (n <= 0) { // EOF: the end of a git answer; a line server closing on us is an error
        if (o_.protocol == wire::line)
            throw std::runtime_error("the server closed a connection");
        finished(i);
        return;
    }
    if (o_.protocol == wire::line && buf_[n - 1] == '\n')
        finished(i);
}

void load_run::finished(std::size_t i)
{
    client& c = clients_[i];
    std::uint64_t t = now_ns();
    ++answered_;
    if (answered_ == measure_from_) { // the warm-up is over: measure from here
        r_.seconds = static_cast<double>(t);
        if (o_.server_pid)
            cpu_at_start_ = cpu_time_ns(o_.server_pid);
    } else if (answered_ > measure_from_) {
        r_.latencies_ns.push_back(t - c.sent_at);
        r_.errors += c.ok ? 0 : 1;
    }
    if (o_.per_request) {
        ::close(c.fd); // also leaves the epoll set
        c.fd = -1;
    }
    start(i);
}

void load_run::retry_connects()
{
    for (std::size_t k = waiting_connect_.size(); k > 0; --k) {
        std::size_t i = waiting_connect_.front();
        waiting_connect_.pop_front();
        start(i);
    }
}

load_result load_run::run()
{
    open_idle();
    // The first `warmup` answers are not measured; the (warmup)th one starts the clock.
    measure_from_ = o_.warmup;
    total_ = o_.warmup + o_.requests + 1;
    if (measure_from_ == 0) {
        measure_from_ = 1;
        total_ = o_.requests + 1;
    }
    if (!o_.per_request) {
        for (std::size_t i = 0; i < clients_.size(); ++i) {
            clients_[i].fd = connect_blocking(addr_);
            int one = 1;
            ::ioctl(clients_[i].fd, FIONBIO, &one);
            watch(i);
        }
    }
    for (std::size_t i = 0; i < clients_.size(); ++i)
        start(i);

    epoll_event events[512];
    std::uint64_t last_progress = now_ns(), seen = 0;
    while (answered_ < total_) {
        int timeout_ms = waiting_connect_.empty() ? 100 : 0;
        int n = ::epoll_wait(ep_, events, 512, timeout_ms);
        if (n < 0 && errno != EINTR)
            fail("epoll_wait");
        for (int k = 0; k < n; ++k)
            on_readable(events[k].data.u64);
        retry_connects();
        if (answered_ != seen) {
            seen = answered_;
            last_progress = now_ns();
        } else if (now_ns() - last_progress > static_cast<std::uint64_t>(o_.timeout_s * 1e9)) {
            throw std::runtime_error("no answer for " + std::to_string(o_.timeout_s) + " s after "
                                     + std::to_string(answered_) + " answers");
        }
    }
    r_.seconds = (static_cast<double>(now_ns()) - r_.seconds) / 1e9;
    if (o_.server_pid) {
        r_.server_cpu_ns = cpu_time_ns(o_.server_pid) - cpu_at_start_;
        r_.server_rss_kib = rss_kib(o_.server_pid);
    }
    r_.requests = r_.latencies_ns.size();
    return std::move(r_);
}

} // namespace

load_result run_load(const options& o)
{
    load_run run(o);
    return run.run();
}

std::string one_answer(const options& o)
{
    int fd = connect_blocking(address_of(o.socket));
    send_all(fd, o.request);
    if (o.protocol == wire::git)
        ::shutdown(fd, SHUT_WR);
    std::string answer = read_answer(fd, o.protocol);
    ::close(fd);
    return answer;
}

} // namespace tokend::bench
