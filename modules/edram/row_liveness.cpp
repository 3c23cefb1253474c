#include "edram/row_liveness.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>

namespace kelle {

namespace {
// Zero pages reserved, not committed: MAP_NORESERVE, since a large store's untouched rows never
// become memory.
std::uint16_t* map_zero_pages(std::size_t bytes) {
    void* pages = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (pages == MAP_FAILED) throw std::bad_alloc();
    return static_cast<std::uint16_t*>(pages);
}
}  // namespace

void RowLiveness::Unmap::operator()(std::uint16_t* counts) const { munmap(counts, bytes); }

RowLiveness::RowLiveness(const EdramBankMap& map)
    : map_(map),
      banks_(static_cast<std::size_t>(map.banks())),
      rows_per_bank_(map.rows_per_bank()),
      capacity_bytes_(map.capacity_bytes()),
      row_bytes_(static_cast<std::uint32_t>(map.row_bytes())),
      counts_(banks_ * rows_per_bank_),
      live_bytes_(map_zero_pages(counts_ * sizeof(std::uint16_t)), Unmap{counts_ * sizeof(std::uint16_t)}),
      written_((counts_ + kBlockCounts - 1) / kBlockCounts, false),
      live_rows_(static_cast<std::size_t>(map.areas()) * banks_, 0) {
    if (map.row_bytes() > 0xFFFF) throw std::logic_error("RowLiveness: live bytes per row are counted in 16 bits");
}

void RowLiveness::mark(std::uint64_t address, std::uint64_t bytes, bool live) {
    if (bytes == 0 || address + bytes > capacity_bytes_) throw std::logic_error("RowLiveness: range outside the array");
    map_.for_each_bank_run(address, bytes, [this, live](int area, int bank, std::uint64_t first_row, std::uint64_t rows,
                                                        std::uint64_t each) {
        mark_run(area, bank, first_row, rows, static_cast<std::uint16_t>(each), live);
    });
}

void RowLiveness::mark_run(int area, int bank, std::uint64_t first_row, std::uint64_t rows, std::uint16_t in_row,
                           bool live) {
    std::uint64_t& bank_rows = live_rows_[live_rows_index(area, bank)];
    const std::size_t first = index(bank, first_row);
    if (!live) {
        bank_rows -= make_dead(live_bytes_.get() + first, rows, in_row);
        return;
    }
    first_write(first, rows);
    bank_rows += make_live(live_bytes_.get() + first, rows, in_row);
}

void RowLiveness::first_write(std::size_t first, std::size_t count) {
    for (std::size_t block = first / kBlockCounts; block <= (first + count - 1) / kBlockCounts; ++block) {
        if (written_[block]) continue;
        const std::size_t start = block * kBlockCounts;
        std::memset(live_bytes_.get() + start, 0, std::min(kBlockCounts, counts_ - start) * sizeof(std::uint16_t));
        written_[block] = true;
    }
}

// Consecutive rows of one bank: each gains in_row bytes. Returns how many were dead.
std::uint64_t RowLiveness::make_live(std::uint16_t* count, std::uint64_t rows, std::uint16_t in_row) const {
    std::uint64_t were_dead = 0;
    bool overfull = false;  // checked once per run: a row can hold no more live bytes than it has
    for (std::uint64_t r = 0; r < rows; ++r, ++count) {
        were_dead += *count == 0 ? 1 : 0;
        overfull |= static_cast<std::uint32_t>(*count) + in_row > row_bytes_;
        *count = static_cast<std::uint16_t>(*count + in_row);
    }
    if (overfull) throw std::logic_error("RowLiveness: a row made live beyond its size");
    return were_dead;
}

// Consecutive rows of one bank: each loses in_row bytes. Returns how many died.
std::uint64_t RowLiveness::make_dead(std::uint16_t* count, std::uint64_t rows, std::uint16_t in_row) const {
    std::uint64_t died = 0;
    for (std::uint64_t r = 0; r < rows; ++r, ++count) {
        if (*count < in_row) throw std::logic_error("RowLiveness: released bytes that were not live");
        *count -= in_row;
        died += *count == 0 ? 1 : 0;
    }
    return died;
}

}  // namespace kelle
