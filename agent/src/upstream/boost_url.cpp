// SPDX-License-Identifier: MIT
// Boost.URL's compiled part, built once here from its headers rather than linking Debian's
// libboost-url1.81-dev: the package builds from libboost1.81-dev's headers alone
// (debian/control, Build-Depends), and tokend needs no runtime libboost_url.
#include <boost/url/src.hpp>
