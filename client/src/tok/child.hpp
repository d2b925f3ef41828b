// SPDX-License-Identifier: MIT
// Running a child process for tok curl: fds handed over by number, stdout optionally
// captured, exit status passed on the way a shell would.
#pragma once

#include <span>
#include <string>
#include <vector>

namespace tok::cli {

// An anonymous in-memory file (memfd), close-on-exec; -1 with errno on failure.
int make_memfd(const char* name);

// The whole content of a memfd (read from offset 0).
bool read_memfd(int fd, std::string& out);

// Copies the whole content of `from` (from offset 0) to `to`.
bool copy_memfd(int from, int to);

struct child_result {
    int wait_status = 0; // as from waitpid(); meaningful when exec_errno == 0
    int exec_errno = 0;  // the errno of a failed exec (the child never ran)
    int spawn_errno = 0; // fork failed
};

// Runs argv[0] (searched in $PATH) with `inherit` passed on under the same numbers and, when
// stdout_fd >= 0, stdout redirected there; waits for it. tok ignores SIGINT/SIGQUIT meanwhile
// (like system(3)): the terminal's ^C reaches the child, whose death then decides.
child_result run_child(const std::vector<std::string>& argv, std::span<const int> inherit, int stdout_fd);

// tok's exit code for a child's wait status: its exit code, or for a death by signal the same
// death (re-raised), falling back to 128+signal.
int pass_on(int wait_status);

} // namespace tok::cli
