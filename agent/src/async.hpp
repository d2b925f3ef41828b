// SPDX-License-Identifier: MIT
// Asio spellings for Boost 1.81 (no cancel_after, no default completion token) and the
// agent's one synchronisation primitive. Everything runs on one io_context thread.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
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
    std::size_t waiting() const { return waiters_.size(); }

private:
    struct waiter {
        boost::asio::steady_timer* timer;
        bool notified;
    };
    std::vector<waiter*> waiters_;
};

} // namespace tokend::agent
