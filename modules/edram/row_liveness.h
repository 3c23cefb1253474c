// RowLiveness: which eDRAM rows hold live data, for lifetime-aware refresh (RANA-style: a row
// with nothing live in it need not be refreshed).
//
// The KV cache tells the controller when a slot starts and stops holding a token
// (LivenessHint, common/commands.h); this class keeps a live-byte count per row of a bank and
// a live-row count per (refresh group, bank), so a refresh burst knows at once how many rows it
// must refresh. Which bank row an address lands in is the bank map's answer (bank_layout.h).
// The live-byte counts are kept in chunks of rows made at their first hint: memory and set-up
// follow the rows that ever held data, not the capacity (a 64 GB store has 32 M rows of 2 KB).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "edram/bank_layout.h"

namespace kelle {

class RowLiveness {
public:
    // map: the bank layout, whose areas are the refresh groups; it must outlive this object.
    explicit RowLiveness(const EdramBankMap& map);

    // Marks [address, address + bytes) live or dead. Throws std::logic_error when a range is
    // released more often than it was made live (a model bug, not user input).
    void mark(std::uint64_t address, std::uint64_t bytes, bool live);

    std::uint64_t live_rows(int group, int bank) const {
        return live_rows_[static_cast<std::size_t>(group) * banks_ + static_cast<std::size_t>(bank)];
    }
    bool row_live(int bank, std::uint64_t row) const;

private:
    static constexpr std::size_t kChunkRows = 4096;

    std::size_t index(int bank, std::uint64_t row) const {
        return static_cast<std::size_t>(bank) * map_.rows_per_bank() + static_cast<std::size_t>(row);
    }
    // The live bytes of the row at `index`, its chunk made (all rows dead) if it had none.
    std::uint32_t& live_bytes(std::size_t index) {
        std::unique_ptr<std::uint32_t[]>& chunk = chunks_[index / kChunkRows];
        if (!chunk) chunk = std::make_unique<std::uint32_t[]>(kChunkRows);  // value-initialised: every row dead
        return chunk[index % kChunkRows];
    }

    const EdramBankMap& map_;
    std::size_t banks_;
    std::uint64_t capacity_bytes_;
    std::vector<std::unique_ptr<std::uint32_t[]>> chunks_;  // per kChunkRows of (bank, row): live bytes
    std::vector<std::uint64_t> live_rows_;   // per (group, bank)
};

}  // namespace kelle
