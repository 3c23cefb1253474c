// The lockstep comparison on hand-made streams: no simulation.
#include <catch2/catch.hpp>

#include "cosim/command_log.h"

using namespace kelle_cosim;

TEST_CASE("identical streams have no mismatch", "[cosim][compare]") {
    const CommandLog log = {{1000, 0, 0}, {2000, 0, 1}};
    CHECK(first_mismatch(log, log).empty());
}

TEST_CASE("a differing bank is reported at the earlier time with both values", "[cosim][compare]") {
    const CommandLog tlm = {{1000, 0, 0}, {2000, 1, 1}};
    const CommandLog rtl = {{1000, 0, 0}, {2000, 1, 2}};
    CHECK(first_mismatch(tlm, rtl) ==
          "first mismatch, command #1 at 2.000 ns: tlm (2.000 ns, group 1, bank 1) vs rtl (2.000 ns, group 1, bank 2)");
}

TEST_CASE("a command one side lacks is a mismatch", "[cosim][compare]") {
    const CommandLog tlm = {{1000, 0, 0}};
    const CommandLog rtl = {{1000, 0, 0}, {1500, 2, 3}};
    CHECK(first_mismatch(tlm, rtl) ==
          "first mismatch, command #1 at 1.500 ns: tlm (none) vs rtl (1.500 ns, group 2, bank 3)");
}
