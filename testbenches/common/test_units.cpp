// units.h's ns -> sc_time conversion: values sc_time cannot hold are input errors, not
// undefined behaviour (issue 15: a float-to-int64 overflow hung runs with clock_mhz=1e-300).
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "common/error.h"
#include "common/units.h"

using namespace kelle;

TEST_CASE("from_ns converts representable delays to the nearest picosecond", "[units]") {
    CHECK(from_ns(0).value() == 0);
    CHECK(from_ns(1.0).value() == 1000);
    CHECK(from_ns(0.0004).value() == 0);   // 0.4 ps + 0.5 truncates to 0
    CHECK(from_ns(0.0006).value() == 1);   // 0.6 ps + 0.5 truncates to 1
    CHECK(from_ns(-0.0004).value() == 0);  // rounding noise below zero stays zero, as before
    // 9e15 ns = 9e18 ps, below 2^63 ps = 9.22e18 ps.
    CHECK(from_ns(9e15).value() == 9000000000000000000ULL);
}

TEST_CASE("from_ns refuses delays sc_time cannot hold with an input error", "[units]") {
    // Guards the float-to-int64 overflow (UBSan: float-cast-overflow) and the negative wrap.
    for (const double ns : {1e300, 9.3e15, -1.0, -1e300, std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity(), std::nan("")}) {
        INFO("ns = " << ns);
        CHECK_THROWS_AS(from_ns(ns), InputError);
    }
    CHECK_THROWS_WITH(from_ns(1e302), Catch::Contains("1e+302 ns") && Catch::Contains("2^63 ps"));
}
