// EdramBankMap: where a token's byte-parts land in the banks, worked out by hand (issue 11).
//
// The store of every byte_plane case is the paper's: 4 MB in 32 banks [paper §5], rows of
// 2048 B: 4194304 / 2048 = 2048 rows, 64 a bank. Bank groups of 32 / 4 = 8 banks: K high byte
// banks 0-7, K low 8-15, V high 16-23, V low 24-31.
// 2DRP plan (common/kv_areas.cpp), important share 0.5: per plane 2048 / 2 = 1024 rows, the
// important class floor(1024 x 0.5 / 32) x 32 = 512 of them, the unimportant 1024 - 512 = 512:
//   important_msb rows 0-511 (addresses from 0), important_lsb 512-1023 (from 1 MiB = 1048576),
//   unimportant_msb 1024-1535 (from 2 MiB = 2097152), unimportant_lsb 1536-2047 (from 3 MiB).
// An MSB area feeds K-hi and V-hi, 1 MiB / 2 = 512 KiB each = 256 in-group rows = 32 rows per
// bank; the important class is in-group bytes [0, 524288), rows 0-31 of every bank; the
// unimportant one [524288, 1048576), rows 32-63.
//
// Slot geometry (kvcache/kv_layout.cpp, by hand, not linked): head_dim 64, 2-byte values,
// batch 1: a slot is 2 x 64 x 2 = 256 B, a piece (one byte plane) 128 B, holding K's 64 bytes of
// that plane and V's 64 (kv_areas.h: alternating, K_0 V_0 K_1 V_1 ...). 8 KV heads, 128 slots
// per (layer, head) region, the first 64 important. Region r = layer x 8 + head; a slot s of
// class c has entry e = r x 64 + (s - first slot of c), and its MSB piece is at
// base(c, MSB) + e x 128. In-group address of all four parts: base_c + e x 64.
#include <catch2/catch.hpp>

#include <algorithm>
#include <tuple>
#include <vector>

#include "common/kv_areas.h"
#include "edram/bank_layout.h"

using namespace kelle;

namespace {
constexpr std::uint64_t kMiB = 1048576;

EdramBankMap paper_store() {
    return EdramBankMap(BankLayout::byte_plane, two_dimensional_area_plan(4 * kMiB, 2048, 32, 0.5), 32);
}

bool at(const BankRow& where, int bank, std::uint64_t row) { return where.bank == bank && where.row == row; }
}  // namespace

TEST_CASE("the K high byte of a token lands in the K-hi bank group, by hand", "[bank_layout]") {
    const EdramBankMap map = paper_store();
    // Layer 0, head 3, token in slot 5 (important): r = 3, e = 3 x 64 + 5 = 197, MSB piece at
    // 197 x 128 = 25216. In-group address 197 x 64 = 12608: in-group row 12608 / 2048 = 6
    // (6 x 2048 = 12288), so bank 0 + 6 % 8 = 6, row 6 / 8 = 0.
    CHECK(at(map.locate_part(25216, BytePart::k_high), 6, 0));
    // The three other parts at the same in-group address 12608, in their groups' 7th bank:
    // V-hi bank 16 + 6 = 22; K-lo and V-lo from the LSB piece at 1 MiB + 25216, banks 14 and 30.
    CHECK(at(map.locate_part(25216, BytePart::v_high), 22, 0));
    CHECK(at(map.locate_part(kMiB + 25216, BytePart::k_low), 14, 0));
    CHECK(at(map.locate_part(kMiB + 25216, BytePart::v_low), 30, 0));
}

TEST_CASE("a token past the group's eighth row wraps to its first bank, one row down", "[bank_layout]") {
    const EdramBankMap map = paper_store();
    // Layer 0, head 4, slot 0: r = 4, e = 256, MSB piece at 256 x 128 = 32768. In-group address
    // 256 x 64 = 16384 = 8 x 2048: in-group row 8, bank 8 % 8 = 0 (the wrap), row 8 / 8 = 1.
    CHECK(at(map.locate_part(32768, BytePart::k_high), 0, 1));
    // Layer 1, head 2, slot 17: r = 1 x 8 + 2 = 10, e = 10 x 64 + 17 = 657, MSB piece at
    // 657 x 128 = 84096; in-group 657 x 64 = 42048, row 42048 / 2048 = 20 (40960, 1088 over):
    // bank 20 % 8 = 4, row 20 / 8 = 2.
    CHECK(at(map.locate_part(84096, BytePart::k_high), 4, 2));
    CHECK(at(map.locate_part(84096, BytePart::v_high), 20, 2));
}

TEST_CASE("the unimportant class is a row range inside every bank group", "[bank_layout]") {
    const EdramBankMap map = paper_store();
    // Layer 0, head 3, slot 100: unimportant, e = 3 x 64 + (100 - 64) = 228, MSB piece at
    // 2 MiB + 228 x 128 = 2126336. In-group 524288 + 228 x 64 = 538880, row 538880 / 2048 = 263
    // (538624, 256 over): bank 263 % 8 = 7, row 263 / 8 = 32, the class's first row.
    CHECK(at(map.locate_part(2126336, BytePart::k_high), 7, 32));
    CHECK(at(map.locate_part(3 * kMiB + 228 * 128, BytePart::v_low), 31, 32));
}

TEST_CASE("a piece's K bytes go to the K group and its V bytes to the V group", "[bank_layout]") {
    const EdramBankMap map = paper_store();
    // The MSB piece of the first case (128 B at 25216): 64 B to K-hi bank 6, 64 B to V-hi bank 22.
    BankSplit split(32);
    map.split(25216, 128, split);
    const std::vector<std::uint64_t>& bytes = split.bytes();
    CHECK(bytes[6] == 64);
    CHECK(bytes[22] == 64);
    std::uint64_t total = 0;
    for (const std::uint64_t b : bytes) total += b;
    CHECK(total == 128);
    // A burst of 8 KiB of the important MSB area from 0: in-group [0, 4096), rows 0 and 1 of
    // each group: 2048 B each to banks 0, 1 (K-hi) and 16, 17 (V-hi).
    split.clear();
    map.split(0, 8192, split);
    CHECK((bytes[0] == 2048 && bytes[1] == 2048 && bytes[16] == 2048 && bytes[17] == 2048 && bytes[2] == 0));
}

TEST_CASE("a long transfer's bytes per bank are dealt in closed form, as row by row", "[bank_layout]") {
    const EdramBankMap map = paper_store();
    // 100 KiB + 100 B of the important MSB area from byte 1000: in-group [500, 500 + 51250) in
    // K-hi and in V-hi (even offsets to K, odd to V: 51250 each). In-group rows 0 to
    // 51749 / 2048 = 25: row 0 holds 2048 - 500 = 1548 B, row 25 holds 51750 - 25 x 2048 = 550 B,
    // rows 1-24 whole. Banks: row q in bank q % 8, so bank 0 has rows 0, 8, 16, 24:
    // 1548 + 3 x 2048 = 7692; bank 1 rows 1, 9, 17, 25: 3 x 2048 + 550 = 6694; banks 2-7 rows
    // q, q + 8, q + 16: 6144 each. Sum 7692 + 6694 + 6 x 6144 = 51250.
    BankSplit split(32);
    map.split(1000, 102500, split);
    const std::vector<std::uint64_t>& bytes = split.bytes();
    for (const int group_base : {0, 16}) {
        CHECK(bytes[group_base + 0] == 7692);
        CHECK(bytes[group_base + 1] == 6694);
        for (int b = 2; b < 8; ++b) CHECK(bytes[group_base + b] == 6144);
    }
    // The same sums as dealing the rows one by one (rows_touched, which liveness uses), for
    // ranges that cross areas and bank groups at odd offsets.
    for (const auto& [address, length] : {std::pair<std::uint64_t, std::uint64_t>{1000, 102500},
                                          {kMiB - 777, 3 * kMiB + 5}, {12345, 1}, {2 * kMiB - 3, 4100}}) {
        BankSplit closed(32);
        std::vector<std::uint64_t> by_row(32, 0);
        map.split(address, length, closed);
        std::vector<BankRowBytes> rows;
        map.rows_touched(address, length, rows);
        for (const BankRowBytes& piece : rows) by_row[static_cast<std::size_t>(piece.bank)] += piece.bytes;
        CHECK(closed.bytes() == by_row);
    }
}

TEST_CASE("bank split and rows with a row size and bank groups that are not powers of two", "[bank_layout]") {
    // byte_plane over 12 banks, 3 a bank group (K-hi 0-2, K-lo 3-5, V-hi 6-8, V-lo 9-11), rows of
    // 1000 B, a plain plan of 120 rows (120000 B): one area of whole values feeding K-lo, K-hi,
    // V-lo, V-hi in byte order, 30000 B each. Bytes 0 .. 23999: offsets o = 0 (mod 4) to K-lo,
    // in-group offsets 0 .. 5999: in-group rows 0 .. 5, banks 3, 4, 5, 3, 4, 5: 2000 B each.
    const EdramBankMap map(BankLayout::byte_plane, plain_area_plan(120000, 1000), 12);
    BankSplit split(12);
    map.split(0, 24000, split);
    const std::vector<std::uint64_t>& bytes = split.bytes();
    for (int bank = 0; bank < 12; ++bank) CHECK(bytes[static_cast<std::size_t>(bank)] == 2000);
    // Offset 4 x 3500 + 1 = 14001 is K-hi's in-group byte 3500: in-group row 3, bank 0 + 3 % 3 = 0, row 1.
    CHECK(map.locate(14001).bank == 0);
    CHECK(map.locate(14001).row == 1);
    for (const auto& [address, length] : std::vector<std::pair<std::uint64_t, std::uint64_t>>{
             {0, 120000}, {7, 1}, {999, 56789}, {3, 4001}}) {
        BankSplit closed(12);
        std::vector<std::uint64_t> by_row(12, 0);
        map.split(address, length, closed);
        std::vector<BankRowBytes> rows;
        map.rows_touched(address, length, rows);
        for (const BankRowBytes& piece : rows) by_row[static_cast<std::size_t>(piece.bank)] += piece.bytes;
        CHECK(closed.bytes() == by_row);
    }
}

namespace {
// Every (bank, row, bytes) of a range, from for_each_bank_run's runs expanded row by row, sorted.
std::vector<std::tuple<int, std::uint64_t, std::uint64_t>> rows_from_bank_runs(const EdramBankMap& map,
                                                                                std::uint64_t address,
                                                                                std::uint64_t length) {
    std::vector<std::tuple<int, std::uint64_t, std::uint64_t>> out;
    map.for_each_bank_run(address, length, [&](int, int bank, std::uint64_t first_row, std::uint64_t rows,
                                               std::uint64_t each) {
        for (std::uint64_t r = 0; r < rows; ++r) out.emplace_back(bank, first_row + r, each);
    });
    std::sort(out.begin(), out.end());
    return out;
}

// The same from rows_touched, which deals the rows one by one.
std::vector<std::tuple<int, std::uint64_t, std::uint64_t>> rows_one_by_one(const EdramBankMap& map,
                                                                           std::uint64_t address,
                                                                           std::uint64_t length) {
    std::vector<BankRowBytes> rows;
    map.rows_touched(address, length, rows);
    std::vector<std::tuple<int, std::uint64_t, std::uint64_t>> out;
    for (const BankRowBytes& piece : rows) out.emplace_back(piece.bank, piece.row, piece.bytes);
    std::sort(out.begin(), out.end());
    return out;
}
}  // namespace

TEST_CASE("a range's runs of a bank's consecutive rows are its rows one by one", "[bank_layout]") {
    // for_each_bank_run groups the rows by bank in closed form (whole rows q, q + g, ... of a
    // bank group of g banks are consecutive rows of one bank); expanded, they must be exactly
    // the rows the one-by-one deal visits, with the same bytes, for power-of-two geometry and
    // for 12 banks of 1000 B rows, at odd offsets across areas and bank groups.
    const EdramBankMap paper = paper_store();
    for (const auto& [address, length] : {std::pair<std::uint64_t, std::uint64_t>{1000, 102500},
                                          {kMiB - 777, 3 * kMiB + 5}, {12345, 1}, {2 * kMiB - 3, 4100}})
        CHECK(rows_from_bank_runs(paper, address, length) == rows_one_by_one(paper, address, length));
    const EdramBankMap odd(BankLayout::byte_plane, plain_area_plan(120000, 1000), 12);
    for (const auto& [address, length] : std::vector<std::pair<std::uint64_t, std::uint64_t>>{
             {0, 120000}, {7, 1}, {999, 56789}, {3, 4001}})
        CHECK(rows_from_bank_runs(odd, address, length) == rows_one_by_one(odd, address, length));
}

TEST_CASE("a divisor shifts when it is a power of two and divides otherwise, with the same results", "[bank_layout]") {
    // 2048 = 2^11: 5000 = 2 x 2048 + 904. 1000 is not a power of two: 5000 = 5 x 1000 + 0.
    CHECK(Divisor(2048).quotient(5000) == 2);
    CHECK(Divisor(2048).remainder(5000) == 904);
    CHECK(Divisor(1000).quotient(5000) == 5);
    CHECK(Divisor(1000).remainder(5999) == 999);
    CHECK(Divisor(1).quotient(77) == 77);
    CHECK(Divisor(1).remainder(77) == 0);
    CHECK_THROWS_AS(Divisor(0), std::logic_error);
}

TEST_CASE("refresh groups and controllers: each byte plane's groups only in its own banks", "[bank_layout][refresh]") {
    const EdramBankMap map = paper_store();
    // 32 rows of important_msb in every K-hi and V-hi bank, none in the low-byte banks.
    CHECK(map.rows_in_bank(0, 0) == 32);
    CHECK(map.rows_in_bank(0, 16) == 32);
    CHECK(map.rows_in_bank(0, 8) == 0);
    CHECK(map.rows_in_bank(1, 24) == 32);  // important_lsb in V-lo
    CHECK(map.controller_of(0) == RefreshController::high);
    CHECK(map.controller_of(1) == RefreshController::low);
    CHECK(map.controller_of(2) == RefreshController::high);
    CHECK(map.controller_of(3) == RefreshController::low);
    const std::vector<int> high = map.banks_of(RefreshController::high);
    REQUIRE(high.size() == 16);
    CHECK((high[0] == 0 && high[7] == 7 && high[8] == 16 && high[15] == 23));
}

TEST_CASE("the interleaved layout is today's: row r in bank r % banks", "[bank_layout]") {
    // 16 banks of 2048 B rows, 8 MB: address 5 x 2048 + 7 is row 5, bank 5, bank row 0; address
    // row 21 is bank 21 % 16 = 5, bank row 1.
    const EdramBankMap map(BankLayout::interleaved, plain_area_plan(8 * kMiB, 2048), 16);
    CHECK(at(map.locate(5 * 2048 + 7), 5, 0));
    CHECK(at(map.locate(21 * 2048), 5, 1));
    CHECK(map.rows_in_bank(0, 3) == 4096 / 16);
    CHECK(map.controller_of(0) == RefreshController::both);
}
