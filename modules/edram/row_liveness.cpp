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
    map_.for_each_row(address, bytes, [this, live](int area, int bank, std::uint64_t row, std::uint64_t in_row_bytes) {
        const auto in_row = static_cast<std::uint32_t>(in_row_bytes);
        std::uint32_t& count = live_bytes(index(bank, row));
        std::uint64_t& bank_rows = live_rows_[static_cast<std::size_t>(area) * banks_ + static_cast<std::size_t>(bank)];
        if (live) {
            if (count == 0) ++bank_rows;
            count += in_row;
        } else {
            if (count < in_row) throw std::logic_error("RowLiveness: released bytes that were not live");
            count -= in_row;
            if (count == 0) --bank_rows;
        }
    });
}

bool RowLiveness::row_live(int bank, std::uint64_t row) const {
    const std::size_t i = index(bank, row);
    const std::unique_ptr<std::uint32_t[]>& chunk = chunks_[i / kChunkRows];
    return chunk && chunk[i % kChunkRows] != 0;
}

}  // namespace kelle
