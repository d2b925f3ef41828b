// SPDX-License-Identifier: MIT
// client_tests: libtok (C++ and C API) and the tok CLI, unit and against a real tokend.
#define BOOST_TEST_MODULE client_tests
#include <boost/test/unit_test.hpp>
