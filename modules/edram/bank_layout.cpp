#include "edram/bank_layout.h"

#include <algorithm>
#include <stdexcept>

namespace kelle {

namespace {
constexpr int kBankGroups = 4;

int part(BytePart p) { return static_cast<int>(p); }

bool high_byte(int bank_group) {
    return bank_group == part(BytePart::k_high) || bank_group == part(BytePart::v_high);
}

// The bank groups an area's bytes go to, in byte order (bank_layout.h).
std::vector<int> fed_bank_groups(const KvAreaPlan& plan, const KvArea& area) {
    if (plan.planes == 2 && area.importance_class >= 0)
        return area.plane == 0 ? std::vector<int>{part(BytePart::k_high), part(BytePart::v_high)}
                               : std::vector<int>{part(BytePart::k_low), part(BytePart::v_low)};
    return {part(BytePart::k_low), part(BytePart::k_high), part(BytePart::v_low), part(BytePart::v_high)};
}

// Whose timer drives an area, by the bytes it holds: in both layouts the high-byte controller has
// the MSB areas' timers and the low-byte one the LSB areas'; whole values and `unused` have both.
RefreshController controller_of_area(const KvAreaPlan& plan, const KvArea& area) {
    if (plan.planes != 2 || area.importance_class < 0) return RefreshController::both;
    return area.plane == 0 ? RefreshController::high : RefreshController::low;
}
}  // namespace

Divisor::Divisor(std::uint64_t divisor) : divisor_(divisor), shift_(-1) {
    if (divisor == 0) throw std::logic_error("Divisor: division by zero");
    if ((divisor & (divisor - 1)) != 0) return;
    shift_ = 0;
    while ((std::uint64_t{1} << shift_) != divisor) ++shift_;
}

const char* controller_name(RefreshController controller) {
    switch (controller) {
        case RefreshController::high: return "high";
        case RefreshController::low: return "low";
        case RefreshController::both: return "both";
    }
    return "both";
}

EdramBankMap::EdramBankMap(BankLayout layout, const KvAreaPlan& plan, int banks)
    : layout_(layout),
      row_bytes_(plan.row_bytes),
      row_(plan.row_bytes),
      banks_(banks),
      group_banks_(layout == BankLayout::byte_plane ? banks / kBankGroups : banks),
      group_(static_cast<std::uint64_t>(group_banks_)) {
    if (layout == BankLayout::byte_plane && banks % kBankGroups != 0)
        throw std::logic_error("EdramBankMap: byte_plane needs a multiple of 4 banks");
    std::uint64_t rows = 0;
    std::vector<std::uint64_t> group_fill(kBankGroups, 0);  // byte_plane: bytes stacked in each bank group
    for (const KvArea& area : plan.areas) {
        Feed feed{{0}, Divisor(1), area.first_row * row_bytes_, area.first_row * row_bytes_, area.rows * row_bytes_,
                  controller_of_area(plan, area)};
        if (layout == BankLayout::byte_plane) {
            feed.bank_groups = fed_bank_groups(plan, area);
            feed.k = Divisor(feed.bank_groups.size());
            const std::uint64_t share = feed.bytes / feed.bank_groups.size();
            feed.in_group_base = group_fill[static_cast<std::size_t>(feed.bank_groups[0])];
            for (const int g : feed.bank_groups) group_fill[static_cast<std::size_t>(g)] += share;
        }
        feeds_.push_back(feed);
        rows += area.rows;
    }
    rows_per_bank_ = rows / static_cast<std::uint64_t>(banks);
    for (const Feed& feed : feeds_)
        for (int bank = 0; bank < banks; ++bank) rows_in_bank_.push_back(count_rows_in_bank(feed, bank));
}

int EdramBankMap::area_of(std::uint64_t address) const {
    if (last_area_ < feeds_.size()) {
        const Feed& last = feeds_[last_area_];
        if (address >= last.first_address && address - last.first_address < last.bytes) return static_cast<int>(last_area_);
    }
    const auto after = std::upper_bound(feeds_.begin(), feeds_.end(), address,
                                        [](std::uint64_t a, const Feed& f) { return a < f.first_address; });
    const int area = static_cast<int>(after - feeds_.begin()) - 1;
    if (area >= 0) last_area_ = static_cast<std::size_t>(area);
    return area;
}

BankRow EdramBankMap::locate(std::uint64_t address) const {
    const Feed& feed = feeds_[static_cast<std::size_t>(area_of(address))];
    const std::uint64_t offset = address - feed.first_address;
    return in_group(feed.bank_groups[feed.k.remainder(offset)], feed.in_group_base + feed.k.quotient(offset));
}

BankRow EdramBankMap::locate_part(std::uint64_t piece_address, BytePart p) const {
    // The part's first byte in the piece (kv_areas.h): K_0 V_0 in a plane's piece, K_0 (low,
    // high) V_0 (low, high) in a piece of whole values; the order the bank groups are fed in.
    const bool v = p == BytePart::v_high || p == BytePart::v_low;
    const bool high = p == BytePart::k_high || p == BytePart::v_high;
    const RefreshController plane = feeds_[static_cast<std::size_t>(area_of(piece_address))].controller;
    if (plane == RefreshController::both) return locate(piece_address + (v ? 2 : 0) + (high ? 1 : 0));
    if (high != (plane == RefreshController::high))
        throw std::logic_error("EdramBankMap: this piece holds the other byte plane");
    return locate(piece_address + (v ? 1 : 0));
}

void EdramBankMap::split(std::uint64_t address, std::uint64_t bytes, BankSplit& out) const {
    // O(banks), not O(rows), for a transfer of any length: the same integer sums as dealing the
    // rows one by one.
    for_each_bank_run(address, bytes, [&out](int, int bank, std::uint64_t, std::uint64_t rows, std::uint64_t each) {
        out.add(static_cast<std::size_t>(bank), rows * each);
    });
}

void EdramBankMap::rows_touched(std::uint64_t address, std::uint64_t bytes, std::vector<BankRowBytes>& out) const {
    for_each_row(address, bytes,
                 [&out](int area, int bank, std::uint64_t row, std::uint64_t n) { out.push_back({area, bank, row, n}); });
}

std::uint64_t EdramBankMap::count_rows_in_bank(const Feed& feed, int bank) const {
    const bool fed = layout_ == BankLayout::interleaved ||
                     std::find(feed.bank_groups.begin(), feed.bank_groups.end(), bank_group_of(bank)) != feed.bank_groups.end();
    const std::uint64_t rows_per_group = feed.bytes / row_bytes_ / feed.bank_groups.size();
    return fed ? rows_per_group / static_cast<std::uint64_t>(group_banks_) : 0;
}

RefreshController EdramBankMap::controller_of(int area) const {
    return feeds_[static_cast<std::size_t>(area)].controller;
}

std::vector<int> EdramBankMap::banks_of(RefreshController controller) const {
    std::vector<int> banks;
    for (int bank = 0; bank < banks_; ++bank)
        if (layout_ == BankLayout::interleaved || controller == RefreshController::both ||
            high_byte(bank_group_of(bank)) == (controller == RefreshController::high))
            banks.push_back(bank);
    return banks;
}

}  // namespace kelle
