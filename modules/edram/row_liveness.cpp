#include "edram/row_liveness.h"

#include <stdexcept>

namespace kelle {

RowLiveness::RowLiveness(const EdramBankMap& map)
    : map_(map),
      banks_(static_cast<std::size_t>(map.banks())),
      capacity_bytes_(map.capacity_bytes()),
      chunks_((banks_ * map.rows_per_bank() + kChunkRows - 1) / kChunkRows),
      live_rows_(static_cast<std::size_t>(map.areas()) * banks_, 0) {}

void RowLiveness::mark(std::uint64_t address, std::uint64_t bytes, bool live) {
    if (bytes == 0 || address + bytes > capacity_bytes_) throw std::logic_error("RowLiveness: range outside the array");
    touched_.clear();
    map_.rows_touched(address, bytes, touched_);
    for (const BankRowBytes& piece : touched_) {
        const auto in_row = static_cast<std::uint32_t>(piece.bytes);
        std::uint32_t& count = live_bytes(index(piece.bank, piece.row));
        std::uint64_t& bank_rows = live_rows_[static_cast<std::size_t>(piece.area) * banks_ + static_cast<std::size_t>(piece.bank)];
        if (live) {
            if (count == 0) ++bank_rows;
            count += in_row;
        } else {
            if (count < in_row) throw std::logic_error("RowLiveness: released bytes that were not live");
            count -= in_row;
            if (count == 0) --bank_rows;
        }
    }
}

std::uint32_t& RowLiveness::live_bytes(std::size_t index) {
    std::unique_ptr<std::uint32_t[]>& chunk = chunks_[index / kChunkRows];
    if (!chunk) chunk = std::make_unique<std::uint32_t[]>(kChunkRows);  // value-initialised: every row dead
    return chunk[index % kChunkRows];
}

bool RowLiveness::row_live(int bank, std::uint64_t row) const {
    const std::size_t i = index(bank, row);
    const std::unique_ptr<std::uint32_t[]>& chunk = chunks_[i / kChunkRows];
    return chunk && chunk[i % kChunkRows] != 0;
}

}  // namespace kelle
