// SPDX-License-Identifier: MIT
// Process-wide protections taken at start-up, as ssh-agent does: no core dumps, no ptrace
// by other same-uid processes, a locked heap for secrets.
#pragma once

namespace tokend::agent {

// PR_SET_DUMPABLE 0, RLIMIT_CORE 0, SIGPIPE ignored, OpenSSL secure heap (locked memory,
// excluded from dumps) sized to what RLIMIT_MEMLOCK allows. Never fails: a process that stays
// dumpable is a warning; a smaller or missing secure heap is logged at debug level, and the
// agent degrades gracefully.
void harden_process();

} // namespace tokend::agent
