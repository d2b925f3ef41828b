// SPDX-License-Identifier: MIT
#include "serve/reaper.hpp"

namespace tokend::agent {

reaper::entry::entry(reaper& r, std::function<void(bool)> expire) : owner_(r), expire_(std::move(expire))
{
    next_ = owner_.head_;
    if (next_)
        next_->prev_ = this;
    owner_.head_ = this;
}

reaper::entry::~entry()
{
    (prev_ ? prev_->next_ : owner_.head_) = next_;
    if (next_)
        next_->prev_ = prev_;
}

void reaper::entry::expires_at(clock::time_point t)
{
    deadline_ = t;
    owner_.rearm_if_before(t);
}

void reaper::rearm_if_before(clock::time_point t)
{
    if (t < wake_) {
        wake_ = t;
        timer_.cancel(); // run() recomputes the wake-up from the entries
    }
}

awaitable<void> reaper::run()
{
    while (!stopped_) {
        auto now = clock::now();
        auto soonest = clock::time_point::max();
        for (entry* e = head_; e;) {
            entry* next = e->next_; // expire() may destroy e's session later, never now
            if (e->deadline_ <= now) {
                e->deadline_ = clock::time_point::max();
                e->expire_(false);
            } else {
                soonest = std::min(soonest, e->deadline_);
            }
            e = next;
        }
        wake_ = soonest;
        timer_.expires_at(soonest);
        co_await timer_.async_wait(nothrow_awaitable);
    }
}

void reaper::stop()
{
    stopped_ = true;
    timer_.cancel();
}

void reaper::expire_all()
{
    for (entry* e = head_; e;) {
        entry* next = e->next_;
        e->expire_(true);
        e = next;
    }
}

} // namespace tokend::agent
