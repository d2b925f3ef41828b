// SPDX-License-Identifier: MIT
// Which refused peers get a log line (docs/security.md, "Another local user on a shared
// host"): another uid hammering the socket must not flood the journal. The first refusal of
// a uid is logged at once; later ones within a minute are only counted, and the count comes
// out in one line when the minute is over. Pure: the caller passes the time and logs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tokend::agent {

class refusal_log {
public:
    using clock = std::chrono::steady_clock;
    static constexpr std::chrono::seconds interval{60};

    // A connection of `uid` (process `pid`) refused at `now`: the line to log, or nullopt when
    // it is only counted.
    std::optional<std::string> refused(uid_t uid, pid_t pid, clock::time_point now);

    // The count lines whose minute is over at `now`; forgets uids with nothing left to say.
    std::vector<std::string> due(clock::time_point now);

    // When due() will next have a line, or nullopt when no refusal waits to be reported.
    std::optional<clock::time_point> next_due() const;

    // Every count still waiting, whatever the time (at shutdown).
    std::vector<std::string> flush();

private:
    struct entry {
        clock::time_point logged_at; // the last line about this uid
        std::uint64_t unlogged = 0;  // refusals since that line
        pid_t latest_pid = 0;
    };
    static std::string count_line(uid_t uid, const entry& e);

    std::map<uid_t, entry> by_uid_;
};

} // namespace tokend::agent
