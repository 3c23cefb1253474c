// The walk-through's example block (docs/cosim.md, testbenches/cosim/example/hot_counter.sv),
// verilated here with -Wall as kelle_rtl_block verilates a shipped block (a lint warning fails the
// build) and clocked as a plain C++ model, as step 4 of the walk-through describes. Expected
// values by hand from the block's rule: hot once count >= THRESHOLD, count saturates at 2^WIDTH - 1.
#include <catch2/catch.hpp>

#include "Vhot_counter.h"

namespace {
void clock(Vhot_counter& rtl) {
    rtl.clk = 0;
    rtl.eval();
    rtl.clk = 1;
    rtl.eval();
}

void access(Vhot_counter& rtl, int times) {
    rtl.access = 1;
    for (int i = 0; i < times; ++i) clock(rtl);
    rtl.access = 0;
}
}  // namespace

TEST_CASE("the walk-through's counter builds, counts, saturates and turns hot at its threshold", "[cosim][example]") {
    VerilatedContext context;
    Vhot_counter rtl(&context);  // WIDTH = 4 (testbenches/CMakeLists.txt)
    rtl.rst_n = 0;
    clock(rtl);
    rtl.rst_n = 1;
    rtl.cfg_we = 1;
    rtl.cfg_addr = 0;
    rtl.cfg_wdata = 3;  // THRESHOLD
    clock(rtl);
    rtl.cfg_we = 0;
    access(rtl, 2);
    CHECK(rtl.count == 2);
    CHECK_FALSE(rtl.hot);
    access(rtl, 1);
    CHECK(rtl.count == 3);
    CHECK(rtl.hot);
    access(rtl, 20);  // 23 accesses in all: saturated at 2^4 - 1
    CHECK(rtl.count == 15);
    rtl.clear = 1;
    clock(rtl);
    rtl.clear = 0;
    CHECK(rtl.count == 0);
    CHECK_FALSE(rtl.hot);
    rtl.final();
}
