// SPDX-License-Identifier: MIT
// Boost.JSON compiled once into our own static library rather than linking Debian's
// libboost-json1.81-dev: libtok (a shared library) then has no runtime dependency on a
// versioned libboost_json, and the package builds from libboost1.81-dev's headers alone
// (debian/control, Build-Depends).
#include <boost/json/src.hpp>
