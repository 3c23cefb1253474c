// EdramBankMap: where each byte of the KV store's address space sits in the eDRAM's banks, for
// the two layouts of edram.layout. Plain C++, no SystemC: the controller's bank timing, its
// liveness per row and its refresh bursts all ask it, and tests ask it directly.
//
// interleaved  (today's layout) one bank group of all `banks` banks; address rows are dealt
//              round-robin: address row r is row r / banks of bank r % banks.
// byte_plane   the paper's KV eDRAM [paper §5, kelle-paper.md §2]: four bank groups of banks / 4
//              banks each, in bank order K high byte, K low byte, V high byte, V low byte. The
//              four byte-parts of one token sit at the same address inside their bank groups.
//
// How the area plan's address space (common/kv_areas.h) lands on bank groups. Every area feeds
// a set of k bank groups and its byte at offset o goes to the (o % k)-th of them, at
// offset o / k into the area's rows there (the piece convention of kv_areas.h: K and V bytes
// alternate, so every whole piece puts its K bytes in a K group and its V bytes in a V group):
//   a data area of a two-plane plan (2DRP)   k = 2: {K, V} of its plane (MSB: K-hi, V-hi);
//   an area of whole values, or `unused`     k = 4: {K-lo, K-hi, V-lo, V-hi} (a value is
//                                            stored low byte first, kvcache/kv_values.cpp).
// Inside a bank group the areas it is fed by stack in plan order, rows / k each; so an
// importance class is one row range inside every bank group, and the MSB and LSB pieces of a
// slot (same entry, same offset into their areas) reach the same in-group address. An in-group
// address x is in-group row q = x / row_bytes, which is row q / (banks / 4) of the group's
// bank q % (banks / 4), as the interleaved layout deals rows over all banks.
//
// Refresh: a group (area) is refreshed in the banks it has rows in. Under byte_plane, the paper's
// two refresh controllers: the high-byte one owns the K-hi and V-hi banks, the low-byte one the
// K-lo and V-lo banks; an area of one plane has rows only under one of them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "common/banked_timing.h"
#include "config/config.h"
#include "common/kv_areas.h"

namespace kelle {

enum class BankLayout { interleaved, byte_plane };
inline const Choices<BankLayout> kBankLayouts{{"interleaved", BankLayout::interleaved},
                                              {"byte_plane", BankLayout::byte_plane}};

// The four byte-parts of a token's K/V; under byte_plane also the bank groups, in bank order.
enum class BytePart { k_high = 0, k_low = 1, v_high = 2, v_low = 3 };

// The refresh controller whose timer drives a group, by the byte plane it holds: high (2DRP MSB
// areas), low (LSB areas) or both (whole values, `unused`). Under byte_plane each owns half the
// banks; under interleaved they share all banks and one scheduler stands for both.
enum class RefreshController { high, low, both };
const char* controller_name(RefreshController controller);

struct BankRow {
    int bank = 0;
    std::uint64_t row = 0;  // row inside the bank
};

struct BankRowBytes {
    int area = 0;
    int bank = 0;
    std::uint64_t row = 0;
    std::uint64_t bytes = 0;
};

// Division by a number fixed at construction, a shift when it is a power of two (the shipped
// row size, banks per group and bank groups per area all are): the bank map divides by them
// several times per transaction, and a 64-bit divide costs tens of cycles.
class Divisor {
public:
    explicit Divisor(std::uint64_t divisor);
    std::uint64_t quotient(std::uint64_t x) const { return shift_ >= 0 ? x >> shift_ : x / divisor_; }
    std::uint64_t remainder(std::uint64_t x) const { return shift_ >= 0 ? x & (divisor_ - 1) : x % divisor_; }
    std::uint64_t value() const { return divisor_; }

private:
    std::uint64_t divisor_;
    int shift_;  // log2 of the divisor; -1 when it is not a power of two
};

class EdramBankMap : public BankMap {
public:
    // plan: its areas must tile the address space; banks a multiple of 4 under byte_plane.
    EdramBankMap(BankLayout layout, const KvAreaPlan& plan, int banks);

    // The bank and row of the byte at `address`.
    BankRow locate(std::uint64_t address) const;
    // The bank and row of the first byte of `part` of the slot piece at `piece_address`: the
    // piece of part's plane under a two-plane plan (MSB piece for the high bytes), the whole
    // slot otherwise.
    BankRow locate_part(std::uint64_t piece_address, BytePart part) const;

    void split(std::uint64_t address, std::uint64_t bytes, BankSplit& out) const override;
    // Calls visit(area, bank, row, bytes) for each (bank, row) piece of [address, address + bytes),
    // an area's bytes at a time: once per row, so the caller's work per row is its own.
    template <class Visit>
    void for_each_row(std::uint64_t address, std::uint64_t bytes, Visit visit) const;
    // The same pieces, appended to `out`.
    void rows_touched(std::uint64_t address, std::uint64_t bytes, std::vector<BankRowBytes>& out) const;
    // The same pieces grouped by bank: calls visit(area, bank, first_row, rows, bytes) for each
    // run of a bank's consecutive rows [first_row, first_row + rows) that hold `bytes` each of the
    // range. At most banks per group + 2 calls per bank group the range reaches, however long
    // it is, so a caller's work per row is a tight loop of its own.
    template <class Visit>
    void for_each_bank_run(std::uint64_t address, std::uint64_t bytes, Visit visit) const;

    int area_of(std::uint64_t address) const;
    std::uint64_t rows_in_bank(int area, int bank) const {
        return rows_in_bank_[static_cast<std::size_t>(area) * static_cast<std::size_t>(banks_) + static_cast<std::size_t>(bank)];
    }
    std::uint64_t rows_per_bank() const { return rows_per_bank_; }
    std::uint64_t row_bytes() const { return row_bytes_; }
    int banks() const { return banks_; }
    int areas() const { return static_cast<int>(feeds_.size()); }
    std::uint64_t capacity_bytes() const { return rows_per_bank_ * static_cast<std::uint64_t>(banks_) * row_bytes_; }
    RefreshController controller_of(int area) const;
    // The banks a controller owns, in bank order: half of them under byte_plane.
    std::vector<int> banks_of(RefreshController controller) const;
    BankLayout layout() const { return layout_; }

private:
    struct Feed {
        std::vector<int> bank_groups;      // the k bank groups the area's bytes go to, in byte order
        Divisor k{1};                      // their number
        std::uint64_t in_group_base = 0;   // bytes into each of those groups where the area starts
        std::uint64_t first_address = 0;
        std::uint64_t bytes = 0;
        RefreshController controller = RefreshController::both;  // also: which byte plane it holds
    };
    int bank_group_of(int bank) const { return bank / group_banks_; }
    BankRow in_group(int bank_group, std::uint64_t x) const {
        const std::uint64_t q = row_.quotient(x);
        return {bank_group * group_banks_ + static_cast<int>(group_.remainder(q)), group_.quotient(q)};
    }
    std::uint64_t count_rows_in_bank(const Feed& feed, int bank) const;
    // Calls visit(area, bank, row, bytes) for the in-group range [x, x + bytes) of a bank group.
    template <class Visit>
    void deal_rows(int area, int bank_group, std::uint64_t x, std::uint64_t bytes, Visit visit) const;
    // Calls visit(area, bank, first_row, rows, bytes) for the in-group range [x, x + bytes) of a
    // bank group, by bank (for_each_bank_run).
    template <class Visit>
    void deal_bank_runs(int area, int bank_group, std::uint64_t x, std::uint64_t bytes, Visit visit) const;
    // Calls run(area, bank_group, x, bytes) for each in-group range [x, x + bytes) that
    // [address, address + bytes) puts in one bank group.
    template <class Run>
    void for_each_run(std::uint64_t address, std::uint64_t bytes, Run run) const;

    BankLayout layout_;
    std::uint64_t row_bytes_;
    Divisor row_;      // by row_bytes_
    int banks_;
    int group_banks_;  // banks per bank group
    Divisor group_;    // by group_banks_
    std::uint64_t rows_per_bank_;
    std::vector<Feed> feeds_;  // per area of the plan
    std::vector<std::uint64_t> rows_in_bank_;  // per (area, bank): asked at every refresh burst
    // area_of's last answer: accesses and hints come in runs inside one area, so most calls
    // need no search. A cache, not state: the map's answers stay the same (SystemC runs one thread).
    mutable std::size_t last_area_ = 0;
};

// The templates run at every liveness hint and every access: here, so that the caller's visit inlines.

template <class Visit>
void EdramBankMap::deal_rows(int area, int bank_group, std::uint64_t x, std::uint64_t bytes, Visit visit) const {
    // In-group row q is row q / group_banks_ of the group's bank q % group_banks_: step q by one.
    const BankRow first = in_group(bank_group, x);
    const int group_first_bank = bank_group * group_banks_;
    int bank = first.bank - group_first_bank;
    std::uint64_t row = first.row;
    std::uint64_t in_row = std::min(bytes, row_bytes_ - row_.remainder(x));
    while (bytes != 0) {
        visit(area, group_first_bank + bank, row, in_row);
        bytes -= in_row;
        in_row = std::min(bytes, row_bytes_);
        if (++bank == group_banks_) {
            bank = 0;
            ++row;
        }
    }
}

template <class Run>
void EdramBankMap::for_each_run(std::uint64_t address, std::uint64_t bytes, Run run) const {
    for (std::uint64_t end = address + bytes; address < end;) {
        const int area = area_of(address);
        const Feed& feed = feeds_[static_cast<std::size_t>(area)];
        const std::uint64_t stop = std::min(end, feed.first_address + feed.bytes);
        if (stop <= address) throw std::logic_error("EdramBankMap: range outside the array");
        const std::uint64_t first = address - feed.first_address;
        const std::uint64_t last = stop - 1 - feed.first_address;
        const Divisor& k = feed.k;
        // Part j holds the offsets o = j (mod k) of [first, last]: in-group offsets o / k, a run.
        for (std::uint64_t j = 0; j < k.value(); ++j) {
            const std::uint64_t lo = first + k.remainder(j + k.value() - k.remainder(first));
            if (lo > last) continue;
            const std::uint64_t count = k.quotient(last - lo) + 1;
            run(area, feed.bank_groups[j], feed.in_group_base + k.quotient(lo), count);
        }
        address = stop;
    }
}

template <class Visit>
void EdramBankMap::for_each_row(std::uint64_t address, std::uint64_t bytes, Visit visit) const {
    for_each_run(address, bytes, [this, &visit](int area, int bank_group, std::uint64_t x, std::uint64_t n) {
        deal_rows(area, bank_group, x, n, visit);
    });
}

template <class Visit>
void EdramBankMap::deal_bank_runs(int area, int bank_group, std::uint64_t x, std::uint64_t bytes, Visit visit) const {
    // In-group row q is row q / g of the group's bank q % g: a partial first and last row, and
    // the whole rows between dealt round-robin from first_row + 1, so bank i of the deal gets
    // rows q, q + g, ..., consecutive in that bank: one more than the others if i < extra.
    const std::uint64_t g = group_.value();
    const int group_first_bank = bank_group * group_banks_;
    const auto bank_of = [&](std::uint64_t q) { return group_first_bank + static_cast<int>(group_.remainder(q)); };
    const std::uint64_t end = x + bytes;
    const std::uint64_t first_row = row_.quotient(x);
    const std::uint64_t last_row = row_.quotient(end - 1);
    if (first_row == last_row) return visit(area, bank_of(first_row), group_.quotient(first_row), 1, bytes);
    visit(area, bank_of(first_row), group_.quotient(first_row), 1, (first_row + 1) * row_bytes_ - x);
    const std::uint64_t whole_rows = last_row - first_row - 1;
    const std::uint64_t per_bank = group_.quotient(whole_rows);
    const std::uint64_t extra = group_.remainder(whole_rows);
    std::uint64_t q = first_row + 1;
    for (std::uint64_t i = 0; i < std::min(whole_rows, g); ++i, ++q)
        visit(area, bank_of(q), group_.quotient(q), per_bank + (i < extra ? 1 : 0), row_bytes_);
    visit(area, bank_of(last_row), group_.quotient(last_row), 1, end - last_row * row_bytes_);
}

template <class Visit>
void EdramBankMap::for_each_bank_run(std::uint64_t address, std::uint64_t bytes, Visit visit) const {
    for_each_run(address, bytes, [this, &visit](int area, int bank_group, std::uint64_t x, std::uint64_t n) {
        deal_bank_runs(area, bank_group, x, n, visit);
    });
}

}  // namespace kelle
