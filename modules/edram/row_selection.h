// RowSelection: how many rows of a (refresh group, bank) a burst refreshes, the part of
// edram.refresh_policy that acts at each burst (the other parts are the area plan and the
// groups' intervals, edram_config.h):
//   periodic            every row, live or not (the conventional baseline);
//   lifetime and 2drp   only the rows RowLiveness counts as live.
// The rows not refreshed are the burst's rows_skipped. Inline and without a virtual call: the
// controller asks at every burst, millions of times in a long prefill.
#pragma once

#include <cstdint>

#include "edram/edram_config.h"
#include "edram/row_liveness.h"

namespace kelle {

class RowSelection {
public:
    RowSelection(RefreshPolicy refresh_policy, const RowLiveness& liveness)
        : every_row_(refresh_policy == RefreshPolicy::periodic), liveness_(liveness) {}

    // group_rows: the group's rows in the bank.
    std::uint64_t rows_to_refresh(int group, int bank, std::uint64_t group_rows) const {
        return every_row_ ? group_rows : liveness_.live_rows(group, bank);
    }

private:
    bool every_row_;
    const RowLiveness& liveness_;
};

}  // namespace kelle
