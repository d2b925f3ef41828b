// SPDX-License-Identifier: MIT
#include "output.hpp"

#include "report.hpp"

#include "wipe.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tok::cli {

bool write_all(int fd, std::string_view text)
{
    while (!text.empty()) {
        ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

int print(std::string_view text)
{
    if (write_all(STDOUT_FILENO, text))
        return exit_ok;
    return report(exit_error, std::string("writing to stdout: ") + std::strerror(errno));
}

int print_secret(std::string& text)
{
    int rc = print(text);
    wipe(text);
    return rc;
}

} // namespace tok::cli
