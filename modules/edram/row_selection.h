// RowSelection: how many rows of a (refresh group, bank) a burst refreshes, the part of
// edram.refresh_policy that acts at each burst (the other parts are the area plan and the
// groups' intervals, edram_config.h):
//   periodic            EveryRow: every row, live or not (the conventional baseline);
//   lifetime and 2drp   LiveRowsOnly: only the rows RowLiveness counts as live.
// The rows not refreshed are the burst's rows_skipped.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "edram/edram_config.h"
#include "edram/row_liveness.h"

namespace kelle {

class RowSelection {
public:
    virtual ~RowSelection() = default;
    // group_rows: the group's rows in one bank.
    virtual std::uint64_t rows_to_refresh(int group, int bank, std::uint64_t group_rows) const = 0;
};

class EveryRow final : public RowSelection {
public:
    std::uint64_t rows_to_refresh(int, int, std::uint64_t group_rows) const override { return group_rows; }
};

class LiveRowsOnly final : public RowSelection {
public:
    explicit LiveRowsOnly(const RowLiveness& liveness) : liveness_(liveness) {}
    std::uint64_t rows_to_refresh(int group, int bank, std::uint64_t) const override {
        return liveness_.live_rows(group, bank);
    }

private:
    const RowLiveness& liveness_;
};

inline std::unique_ptr<RowSelection> make_row_selection(RefreshPolicy refresh_policy, const RowLiveness& liveness) {
    if (refresh_policy == RefreshPolicy::periodic) return std::make_unique<EveryRow>();
    return std::make_unique<LiveRowsOnly>(liveness);
}

}  // namespace kelle
