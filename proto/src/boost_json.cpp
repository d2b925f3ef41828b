// SPDX-License-Identifier: MIT
// Boost.JSON compiled once into our own static library: Debian's Boost 1.81 ships no
// libboost_json, and linking it header-only keeps libtok free of Boost runtime dependencies.
#include <boost/json/src.hpp>
