#include "edram/row_liveness.h"

#include <algorithm>
#include <stdexcept>

namespace kelle {

RowLiveness::RowLiveness(std::vector<int> group_of_row, std::uint64_t row_bytes, int banks, int groups)
    : group_of_row_(std::move(group_of_row)),
      row_bytes_(row_bytes),
      banks_(static_cast<std::uint64_t>(banks)),
      live_bytes_(group_of_row_.size(), 0),
      live_rows_(static_cast<std::size_t>(groups) * static_cast<std::size_t>(banks), 0) {}

void RowLiveness::mark(std::uint64_t address, std::uint64_t bytes, bool live) {
    const std::uint64_t end = address + bytes;
    if (bytes == 0 || end > live_bytes_.size() * row_bytes_) throw std::logic_error("RowLiveness: range outside the array");
    for (std::uint64_t row = address / row_bytes_; row * row_bytes_ < end; ++row) {
        const auto in_row = static_cast<std::uint32_t>(std::min(end, (row + 1) * row_bytes_) - std::max(address, row * row_bytes_));
        std::uint32_t& count = live_bytes_[row];
        std::uint64_t& bank_rows =
            live_rows_[static_cast<std::size_t>(group_of_row_[row]) * banks_ + row % banks_];
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
