// SPDX-License-Identifier: MIT
#include "sys/async.hpp"

#include "sys/log.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
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

void log_task_end::operator()(std::exception_ptr e) const
{
    if (!e)
        return;
    try {
        std::rethrow_exception(e);
    } catch (const boost::system::system_error& x) {
        if (x.code() != boost::asio::error::operation_aborted)
            log::error(task, " ended by an unexpected error: ", x.what());
    } catch (const std::exception& x) {
        log::error(task, " ended by an unexpected error: ", x.what());
    }
}

void task_group::spawn(const boost::asio::any_io_executor& ex, awaitable<void> task, std::string name)
{
    auto& signal = signals_.emplace_back();
    boost::asio::co_spawn(ex, std::move(task),
                          boost::asio::bind_cancellation_slot(signal.slot(), log_task_end{std::move(name)}));
}

void task_group::cancel_all()
{
    for (auto& s : signals_)
        s.emit(boost::asio::cancellation_type::terminal);
}

} // namespace tokend::agent
