// SPDX-License-Identifier: MIT
#include "async.hpp"

#include <boost/asio/this_coro.hpp>

#include <algorithm>

namespace tokend::agent {

awaitable<bool> notifier::wait_until(std::chrono::steady_clock::time_point deadline)
{
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, deadline);
    waiter w{&timer, false};
    waiters_.push_back(&w);
    struct unregister {
        std::vector<waiter*>& list;
        waiter* w;
        ~unregister() { std::erase(list, w); }
    } guard{waiters_, &w};
    co_await timer.async_wait(nothrow_awaitable);
    co_return w.notified;
}

void notifier::notify_all()
{
    for (waiter* w : std::exchange(waiters_, {})) {
        w->notified = true;
        w->timer->cancel();
    }
}

} // namespace tokend::agent
