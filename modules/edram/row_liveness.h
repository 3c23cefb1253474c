// RowLiveness: which eDRAM rows hold live data, for lifetime-aware refresh (RANA-style: a row
// with nothing live in it need not be refreshed).
//
// The KV cache manager tells the controller when a slot starts and stops holding a token
// (LivenessHint, common/commands.h); this class keeps a live-byte count per row and a live-row
// count per bank, so a refresh burst knows at once how many rows it must refresh.
#pragma once

#include <cstdint>
#include <vector>

namespace kelle {

class RowLiveness {
public:
    RowLiveness(std::uint64_t rows, std::uint64_t row_bytes, int banks);

    // Marks [address, address + bytes) live or dead. Throws std::logic_error when a range is
    // released more often than it was made live (a model bug, not user input).
    void mark(std::uint64_t address, std::uint64_t bytes, bool live);

    std::uint64_t live_rows(int bank) const { return live_rows_per_bank_[static_cast<std::size_t>(bank)]; }
    bool row_live(std::uint64_t row) const { return live_bytes_[row] != 0; }

private:
    std::uint64_t row_bytes_;
    std::uint64_t banks_;
    std::vector<std::uint32_t> live_bytes_;            // per row
    std::vector<std::uint64_t> live_rows_per_bank_;
};

}  // namespace kelle
