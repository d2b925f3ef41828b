// SPDX-License-Identifier: MIT
// Reading a small file that tokend acts on (the config, a ca_file) through one descriptor:
// opened without blocking, examined with fstat on that same descriptor, and read from it, so
// the checks and the bytes concern one file, and a FIFO or device planted at the path is
// refused instead of stalling the event loop (docs/configuration.md, "Files tokend reads").
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <string>

namespace tokend::agent {

// What the file must be. The defaults are the rule for the config and every ca_file: a
// regular file owned by us or root that group and others cannot write, as OpenSSH requires
// of ~/.ssh/config.
struct file_rules {
    std::size_t max_bytes = 1024 * 1024; // a larger file is refused
    bool root_may_own = true;            // else only our effective uid
    unsigned forbidden_bits = 022;       // permission bits the file must not have
};

struct checked_file {
    std::string text;
    unsigned mode = 0; // the permission bits, as fstat saw them
};

// The file, or what is wrong with it: "writable by group or others (mode 0666); chmod go-w
// PATH", "not a regular file (a FIFO)", "cannot open: ...". The problem does not start with
// the path: callers put it where their message format wants it.
boost::system::result<checked_file, std::string> read_checked_file(const std::string& path, const file_rules& rules = {});

} // namespace tokend::agent
