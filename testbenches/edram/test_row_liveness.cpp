// RowLiveness: live-row counts per bank, worked out by hand.
#include <catch2/catch.hpp>

#include "edram/row_liveness.h"

using namespace kelle;

namespace {
// Rows of 100 B interleaved over 2 banks (address row r is row r / 2 of bank r % 2), one
// refresh group per entry of `rows_per_group`, in address order.
EdramBankMap two_banks(std::initializer_list<std::uint64_t> rows_per_group) {
    KvAreaPlan plan;
    plan.row_bytes = 100;
    std::uint64_t first_row = 0;
    for (const std::uint64_t rows : rows_per_group) {
        plan.areas.push_back(KvArea{"g" + std::to_string(plan.areas.size()), 0, 0, first_row, rows});
        first_row += rows;
    }
    return EdramBankMap(BankLayout::interleaved, plan, 2);
}
}  // namespace

TEST_CASE("a slot makes its row live and its release makes it dead again", "[liveness]") {
    const EdramBankMap map = two_banks({8});  // rows 0..7 in one group
    RowLiveness rows(map);
    rows.mark(10, 20, true);      // row 0 -> bank 0
    CHECK(rows.live_rows(0, 0) == 1);
    CHECK(rows.live_rows(0, 1) == 0);
    rows.mark(40, 20, true);      // row 0 again: still one live row
    CHECK(rows.live_rows(0, 0) == 1);
    rows.mark(10, 20, false);
    CHECK(rows.row_live(0, 0));   // 20 bytes still live
    rows.mark(40, 20, false);
    CHECK_FALSE(rows.row_live(0, 0));
    CHECK(rows.live_rows(0, 0) == 0);
}

TEST_CASE("a range across rows counts in each row's bank", "[liveness]") {
    const EdramBankMap map = two_banks({8});
    RowLiveness rows(map);
    rows.mark(150, 300, true);  // rows 1 (50 B), 2, 3, 4 (50 B): banks 1, 0, 1, 0
    CHECK(rows.live_rows(0, 0) == 2);
    CHECK(rows.live_rows(0, 1) == 2);
    rows.mark(150, 50, false);  // row 1's share
    CHECK(rows.live_rows(0, 1) == 1);
}

TEST_CASE("releasing what was not live is a model error", "[liveness]") {
    const EdramBankMap map = two_banks({8});
    RowLiveness rows(map);
    CHECK_THROWS_AS(rows.mark(0, 10, false), std::logic_error);
    CHECK_THROWS_AS(rows.mark(790, 20, true), std::logic_error);
}

TEST_CASE("live rows are counted per refresh group", "[liveness]") {
    const EdramBankMap map = two_banks({2, 2});  // rows 0, 1 in group 0; rows 2, 3 in group 1
    RowLiveness rows(map);
    rows.mark(250, 100, true);                 // rows 2 (bank 0) and 3 (bank 1), group 1
    CHECK(rows.live_rows(0, 0) == 0);
    CHECK(rows.live_rows(1, 0) == 1);
    CHECK(rows.live_rows(1, 1) == 1);
}

TEST_CASE("a 64 GB store counts live rows only where hints fell", "[liveness]") {
    // 64 GiB in 32 banks of 2048 B rows: 2^36 / 2^11 = 2^25 address rows, 2^20 = 1048576 per
    // bank, row r in bank r % 32 as row r / 32. The per-row counts become memory only where a
    // hint wrote them; the counts per (group, bank) must be those of a full table.
    constexpr std::uint64_t kGiB = 1ULL << 30;
    const EdramBankMap map(BankLayout::interleaved, plain_area_plan(64 * kGiB, 2048), 32);
    RowLiveness rows(map);
    // From 40 GiB + 100, 33 x 2048 B: address row r0 = 40 x 2^30 / 2048 = 20971520 = 32 x 655360
    // (bank 0, row 655360) holds 2048 - 100 = 1948 B, rows r0 + 1 .. r0 + 32 whole, and row r0 + 33
    // the last 100 B: 34 rows, r0 .. r0 + 31 in banks 0 .. 31, r0 + 32 in bank 0 (row 655361),
    // r0 + 33 in bank 1 (row 655361). So banks 0 and 1 have 2 live rows, banks 2 to 31 one.
    rows.mark(40 * kGiB + 100, 33 * 2048, true);
    CHECK(rows.live_rows(0, 0) == 2);
    CHECK(rows.live_rows(0, 1) == 2);
    for (int bank = 2; bank < 32; ++bank) CHECK(rows.live_rows(0, bank) == 1);
    CHECK(rows.row_live(0, 655360));
    CHECK(rows.row_live(0, 655361));
    CHECK(rows.row_live(1, 655361));
    CHECK_FALSE(rows.row_live(2, 655361));
    CHECK_FALSE(rows.row_live(5, 0));  // a row no hint reached
    // The first byte of the store: bank 0, row 0, a third live row in bank 0.
    rows.mark(0, 1, true);
    CHECK(rows.live_rows(0, 0) == 3);
    // Releasing the range leaves only that byte's row.
    rows.mark(40 * kGiB + 100, 33 * 2048, false);
    CHECK(rows.live_rows(0, 0) == 1);
    for (int bank = 1; bank < 32; ++bank) CHECK(rows.live_rows(0, bank) == 0);
}

TEST_CASE("a hint reaching fresh counts leaves the counts already written alone", "[liveness]") {
    // One bank (interleaved over 1): row r is bank 0's row r. The counts are written with zeros
    // block by block (4096 rows) before their first use; row 0's block is written by the first
    // hint, so the second, over rows 1 .. 4099, must zero only the next block. Had it zeroed
    // row 0's block again, releasing row 0 would find nothing live and throw.
    KvAreaPlan plan = plain_area_plan(10000 * 100, 100);
    const EdramBankMap map(BankLayout::interleaved, plan, 1);
    RowLiveness rows(map);
    rows.mark(0, 100, true);           // row 0
    rows.mark(100, 4099 * 100, true);  // rows 1 .. 4099, across blocks 0 and 1
    CHECK(rows.live_rows(0, 0) == 4100);
    CHECK_NOTHROW(rows.mark(0, 100, false));
    CHECK(rows.live_rows(0, 0) == 4099);
    CHECK(rows.row_live(0, 4099));
    CHECK_FALSE(rows.row_live(0, 0));
}

TEST_CASE("a row made live beyond its size is a model error", "[liveness]") {
    // Rows of 100 B: the same 60 bytes of row 0 made live twice would count 120 > 100.
    const EdramBankMap map = two_banks({8});
    RowLiveness rows(map);
    rows.mark(0, 60, true);
    CHECK_THROWS_AS(rows.mark(0, 60, true), std::logic_error);
}
