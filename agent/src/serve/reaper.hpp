// SPDX-License-Identifier: MIT
// Deadlines for many connections on one timer (ssh-agent's reaper, made lazy): a session
// moves its deadline with a plain store, and the timer is re-armed only when a deadline
// comes earlier than the next planned wake-up. Expired sessions are told to close; at
// shutdown every session is told, and a busy one closes after its answer.
#pragma once

#include "sys/async.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>

namespace tokend::agent {

class reaper {
public:
    using clock = std::chrono::steady_clock;

    // Lives inside a session; unlinks itself on destruction.
    class entry {
    public:
        explicit entry(reaper& r, std::function<void(bool shutting_down)> expire);
        ~entry();
        entry(const entry&) = delete;
        entry& operator=(const entry&) = delete;
        void expires_at(clock::time_point t);

    private:
        friend class reaper;
        reaper& owner_;
        std::function<void(bool shutting_down)> expire_;
        clock::time_point deadline_ = clock::time_point::max();
        entry* prev_ = nullptr;
        entry* next_ = nullptr;
    };

    explicit reaper(boost::asio::any_io_executor ex) : timer_(ex) {}
    awaitable<void> run();
    void stop();
    // Tells every entry that the agent is shutting down.
    void expire_all();

private:
    void rearm_if_before(clock::time_point t);

    boost::asio::steady_timer timer_;
    entry* head_ = nullptr;
    clock::time_point wake_ = clock::time_point::max();
    bool stopped_ = false;
};

} // namespace tokend::agent
