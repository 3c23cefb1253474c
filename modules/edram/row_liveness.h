// RowLiveness: which eDRAM rows hold live data, for lifetime-aware refresh (RANA-style: a row
// with nothing live in it need not be refreshed).
//
// The KV cache tells the controller when a slot starts and stops holding a token
// (LivenessHint, common/commands.h); this class keeps a live-byte count per row of a bank and
// a live-row count per (refresh group, bank), so a refresh burst knows at once how many rows it
// must refresh. Which bank row an address lands in is the bank map's answer (bank_layout.h).
//
// The live-byte counts are one array over the whole store, mapped from the operating system
// as zero pages that become memory when first written: memory follows the rows that ever held
// data, not the capacity (a 64 GB store has 32 M rows of 2 KB), and no hint pays for finding
// its row's block. A count takes 16 bits (edram.row_bytes is at most 32 KB), half the memory a
// hint first touches. They are kept bank by bank, since the bank map gives a hint's rows as runs
// of one bank's consecutive rows (for_each_bank_run): a run's counts lie side by side. A block
// of counts is written with zeros before its first use, since counting reads before it writes:
// a first read would map the shared zero page, and the write after it would fault a second time.
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
    // released more often than it was made live, or a row made live beyond its size (model bugs,
    // not user input).
    void mark(std::uint64_t address, std::uint64_t bytes, bool live);

    std::uint64_t live_rows(int group, int bank) const { return live_rows_[live_rows_index(group, bank)]; }
    bool row_live(int bank, std::uint64_t row) const { return live_bytes_.get()[index(bank, row)] != 0; }

private:
    std::size_t live_rows_index(int group, int bank) const {
        return static_cast<std::size_t>(group) * banks_ + static_cast<std::size_t>(bank);
    }
    std::size_t index(int bank, std::uint64_t row) const {
        return static_cast<std::size_t>(bank) * rows_per_bank_ + static_cast<std::size_t>(row);
    }
    // Rows [first_row, first_row + rows) of a bank, in_row bytes each.
    void mark_run(int area, int bank, std::uint64_t first_row, std::uint64_t rows, std::uint16_t in_row, bool live);
    static constexpr std::size_t kBlockCounts = 4096;  // 8 KB
    // Writes the never-written blocks among counts [first, first + count).
    void first_write(std::size_t first, std::size_t count);
    std::uint64_t make_live(std::uint16_t* count, std::uint64_t rows, std::uint16_t in_row) const;
    std::uint64_t make_dead(std::uint16_t* count, std::uint64_t rows, std::uint16_t in_row) const;
    struct Unmap {
        std::size_t bytes;
        void operator()(std::uint16_t* counts) const;
    };

    const EdramBankMap& map_;
    std::size_t banks_;
    std::size_t rows_per_bank_;
    std::uint64_t capacity_bytes_;
    std::uint32_t row_bytes_;
    std::size_t counts_;  // banks x rows per bank
    std::unique_ptr<std::uint16_t, Unmap> live_bytes_;  // per (bank, row)
    std::vector<bool> written_;                         // per block of kBlockCounts counts
    std::vector<std::uint64_t> live_rows_;              // per (group, bank)
};

}  // namespace kelle
