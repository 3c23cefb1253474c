// RowLiveness: which eDRAM rows hold live data, for lifetime-aware refresh (RANA-style: a row
// with nothing live in it need not be refreshed).
//
// The KV cache tells the controller when a slot starts and stops holding a token
// (LivenessHint, common/commands.h); this class keeps a live-byte count per row and a live-row
// count per (refresh group, bank), so a refresh burst knows at once how many rows it must
// refresh.
#pragma once

#include <cstdint>
#include <vector>

namespace kelle {

class RowLiveness {
public:
    // group_of_row: the refresh group of every row; bank of row r = r % banks.
    RowLiveness(std::vector<int> group_of_row, std::uint64_t row_bytes, int banks, int groups);

    // Marks [address, address + bytes) live or dead. Throws std::logic_error when a range is
    // released more often than it was made live (a model bug, not user input).
    void mark(std::uint64_t address, std::uint64_t bytes, bool live);

    std::uint64_t live_rows(int group, int bank) const {
        return live_rows_[static_cast<std::size_t>(group) * banks_ + static_cast<std::size_t>(bank)];
    }
    bool row_live(std::uint64_t row) const { return live_bytes_[row] != 0; }

private:
    std::vector<int> group_of_row_;
    std::uint64_t row_bytes_;
    std::uint64_t banks_;
    std::vector<std::uint32_t> live_bytes_;  // per row
    std::vector<std::uint64_t> live_rows_;   // per (group, bank)
};

}  // namespace kelle
