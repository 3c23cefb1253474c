// units.h's ns -> sc_time conversion: values sc_time cannot hold are input errors, not
// undefined behaviour (issue 15: a float-to-int64 overflow hung runs with clock_mhz=1e-300).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
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

TEST_CASE("a delay rounded below zero late in a run is zero, not an input error", "[units]") {
    // At 2^43 ns (2.4 simulated hours; a 0.001 GB/s weight stream gets there, issue 28) an ulp of
    // a double is 2^-9 ns = 1.95 ps: at_ns - now_ns() of two equal times can come out -1.95 ps,
    // past the 1 ps that rounding to sc_time absorbs. Up to 16 ulps below zero is zero there.
    sc_core::sc_start(sc_core::sc_time::from_value(std::uint64_t{1000} << 43));
    REQUIRE(now_ns() == 0x1p43);
    CHECK(from_ns(-0x1p-9).value() == 0);
    CHECK(from_ns(-16 * 0x1p-9).value() == 0);
    CHECK_THROWS_AS(from_ns(-17 * 0x1p-9), InputError);  // more than rounding: a model's error
    CHECK_THROWS_AS(from_ns(-1.0), InputError);
}
