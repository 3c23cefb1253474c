#include "edram/row_liveness.h"

#include <stdexcept>

namespace kelle {

RowLiveness::RowLiveness(const EdramBankMap& map)
    : map_(map),
      banks_(static_cast<std::size_t>(map.banks())),
      capacity_bytes_(map.capacity_bytes()),
      live_bytes_(banks_ * map.rows_per_bank(), 0),
      live_rows_(static_cast<std::size_t>(map.areas()) * banks_, 0) {}

void RowLiveness::mark(std::uint64_t address, std::uint64_t bytes, bool live) {
    if (bytes == 0 || address + bytes > capacity_bytes_) throw std::logic_error("RowLiveness: range outside the array");
    touched_.clear();
    map_.rows_touched(address, bytes, touched_);
    for (const BankRowBytes& piece : touched_) {
        const auto in_row = static_cast<std::uint32_t>(piece.bytes);
        std::uint32_t& count = live_bytes_[index(piece.bank, piece.row)];
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

}  // namespace kelle
