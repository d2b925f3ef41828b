// SPDX-License-Identifier: MIT
// Asio spellings for Boost 1.81 (no cancel_after, no default completion token) and the
// agent's one synchronisation primitive. Everything runs on one io_context thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <list>
#include <string>
#include <vector>

namespace tokend::agent {

template <class T = void>
using awaitable = boost::asio::awaitable<T>;

// Completion token for operations whose errors are expected values, not exceptions.
inline constexpr auto nothrow_awaitable = boost::asio::as_tuple(boost::asio::use_awaitable);

// A condition variable for coroutines (Beast's timer-as-event idiom): waiters park on their
// own timer until notify_all() or their deadline. Not thread-safe; single io_context only.
class notifier {
public:
    notifier() = default;
    notifier(const notifier&) = delete;
    notifier& operator=(const notifier&) = delete;
    ~notifier() = default; // owners outlive their waiters (profiles are held by shared_ptr)

    // True when notified, false when the deadline passed or the wait was cancelled.
    awaitable<bool> wait_until(std::chrono::steady_clock::time_point deadline);
    void notify_all();

private:
    struct waiter {
        boost::asio::steady_timer* timer;
        bool notified;
    };
    std::vector<waiter*> waiters_;
};

// Completion handler for a spawned coroutine: an exception that escaped it is logged with
// the task's name (cancellation is not an error) and goes no further; it ends that task only.
struct log_task_end {
    std::string task;
    void operator()(std::exception_ptr e) const;
};

// Background coroutines that end together: each gets its own cancellation slot, and
// cancel_all() emits terminal cancellation to every one (Beast's task_group, reduced).
// An exception that escapes a task is logged with the task's name, never rethrown.
class task_group {
public:
    void spawn(const boost::asio::any_io_executor& ex, awaitable<void> task, std::string name);
    void cancel_all();

private:
    std::list<boost::asio::cancellation_signal> signals_;
};

} // namespace tokend::agent
