// SPDX-License-Identifier: MIT
#define BOOST_TEST_MODULE agent_tests
#include <boost/test/unit_test.hpp>
