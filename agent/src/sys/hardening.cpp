// SPDX-License-Identifier: MIT
#include "sys/hardening.hpp"

#include "sys/log.hpp"
#include "secrets/secret.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tokend::agent {

void harden_process()
{
    // The agent's memory holds passwords and tokens: no core file may carry them, and no other
    // process of the same user may attach a debugger or read /proc/PID/mem.
    rlimit none{0, 0};
    if (::setrlimit(RLIMIT_CORE, &none) != 0)
        log::debug("setrlimit(RLIMIT_CORE): ", std::strerror(errno));
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        log::warn("prctl(PR_SET_DUMPABLE, 0) failed: ", std::strerror(errno));
    ::signal(SIGPIPE, SIG_IGN);

    // 1 MiB holds the secrets of a few hundred profiles; more spill to the ordinary (wiped) heap.
    // The secure heap is locked, so it counts against RLIMIT_MEMLOCK and in RSS.
    rlimit memlock{};
    std::size_t want = 1 << 20;
    if (::getrlimit(RLIMIT_MEMLOCK, &memlock) == 0 && memlock.rlim_cur != RLIM_INFINITY)
        while (want > 4096 && want > memlock.rlim_cur / 2)
            want /= 2;
    if (init_secure_heap(want))
        log::debug("secure heap: ", want / 1024, " KiB locked");
    else
        log::debug("secure heap unavailable (RLIMIT_MEMLOCK); secrets live in ordinary memory, wiped on release");
}

} // namespace tokend::agent
