// RowSelection: the rows a burst refreshes under each refresh policy, without a simulation.
#include <catch2/catch.hpp>

#include "edram/row_selection.h"

using namespace kelle;

TEST_CASE("periodic refreshes every row of the group, lifetime only the live ones", "[refresh][liveness]") {
    // Rows 0..7 of 100 B, one group, interleaved over 2 banks (bank = row % 2): 4 a bank.
    const EdramBankMap map(BankLayout::interleaved, plain_area_plan(800, 100), 2);
    RowLiveness liveness(map);
    liveness.mark(0, 250, true);                               // rows 0, 1, 2: two in bank 0, one in bank 1
    const RowSelection periodic(RefreshPolicy::periodic, liveness);
    const RowSelection lifetime(RefreshPolicy::lifetime, liveness);
    const RowSelection two_dimensional(RefreshPolicy::two_dim, liveness);
    CHECK(periodic.rows_to_refresh(0, 0, 4) == 4);
    CHECK(periodic.rows_to_refresh(0, 1, 4) == 4);
    CHECK(lifetime.rows_to_refresh(0, 0, 4) == 2);
    CHECK(lifetime.rows_to_refresh(0, 1, 4) == 1);
    CHECK(two_dimensional.rows_to_refresh(0, 1, 4) == 1);
    liveness.mark(200, 50, false);  // row 2 (bank 0) dies
    CHECK(lifetime.rows_to_refresh(0, 0, 4) == 1);
}
