// 2DRP as the paper states it [paper §4.2, §5; kelle-paper.md §2, §4]: four refresh groups
// {HST, LST} x {high, low byte} on two refresh controllers (high-byte banks, low-byte banks),
// each with one timer per importance class, at HST-high 0.36 ms, HST-low 5.4 ms, LST-high
// 1.44 ms, LST-low 7.2 ms. The schedulers are polled without a simulation; counts by hand.
//
// Store: the paper's 4 MB in 32 byte_plane banks of 2048 B rows (test_bank_layout.cpp): groups
// important_msb, important_lsb, unimportant_msb, unimportant_lsb of 512 rows each, 32 rows in
// each of the 16 banks of their controller and none in the other's.
#include <catch2/catch.hpp>
#include <map>
#include <numeric>

#include "common/kv_areas.h"
#include "edram/bank_layout.h"
#include "edram/two_controller_refresh.h"

using namespace kelle;

namespace {
// Group order of the 2DRP plan: important_msb, important_lsb, unimportant_msb, unimportant_lsb.
const std::vector<double> kPaperIntervalsUs{360, 5400, 1440, 7200};

EdramBankMap paper_store() {
    return EdramBankMap(BankLayout::byte_plane, two_dimensional_area_plan(4 * 1048576, 2048, 32, 0.5), 32);
}

// Rows refreshed per group over [0, window_ns] with every row live: each burst refreshes all
// of its group's rows in its bank (the `periodic` row selection).
std::vector<std::uint64_t> rows_refreshed(const EdramBankMap& map, double window_ns,
                                          const std::vector<double>& intervals_us = kPaperIntervalsUs) {
    TwoControllerRefresh refresh(RefreshImpl::tlm, "refresh_scheduler", map, intervals_us);
    std::vector<RefreshBurst> due;
    refresh.pop_due(window_ns, due);
    std::vector<std::uint64_t> rows(intervals_us.size(), 0);
    for (const RefreshBurst& burst : due) rows[static_cast<std::size_t>(burst.group)] += map.rows_in_bank(burst.group, burst.bank);
    return rows;
}
}  // namespace

TEST_CASE("2DRP over a whole window: rows x floor(W / interval) per group", "[refresh][2drp]") {
    // W = 21.6 ms, a multiple of all four intervals: 21.6 / 0.36 = 60, / 5.4 = 4, / 1.44 = 15,
    // / 7.2 = 3. A controller staggers a group over its 16 banks, due at interval x (n + 1) / 16:
    // in W, n + 1 = 1 .. 16 x W / interval, i.e. every bank W / interval times, each burst its
    // 32 rows. Rows refreshed = 512 x W / interval: 30720, 2048, 7680, 1536.
    const EdramBankMap map = paper_store();
    const std::vector<std::uint64_t> rows = rows_refreshed(map, 21.6e6);
    CHECK(rows == std::vector<std::uint64_t>{512 * 60, 512 * 4, 512 * 15, 512 * 3});
}

TEST_CASE("refresh operations per bit, conventional : uniform 0.36 ms : 2DRP = 23.4 : 2.9 : 1", "[refresh][2drp]") {
    // The paper's ratio [paper §4.2] over W = 21.6 ms, every row live. 2DRP: 512 x (60 + 4 + 15 +
    // 3) = 41984 rows (the case above). Every group at the conventional 45 us: 2048 x 21.6 / 0.045
    // = 983040; at a uniform 0.36 ms: 2048 x 60 = 122880. 983040 / 41984 = 23.41 and
    // 122880 / 41984 = 2.93: the paper's figures to their one decimal.
    const EdramBankMap map = paper_store();
    const auto total = [&](const std::vector<double>& intervals_us) {
        const std::vector<std::uint64_t> rows = rows_refreshed(map, 21.6e6, intervals_us);
        return static_cast<double>(std::accumulate(rows.begin(), rows.end(), std::uint64_t{0}));
    };
    const double two_drp = total(kPaperIntervalsUs);
    CHECK(total({45, 45, 45, 45}) == 983040);
    CHECK(total({360, 360, 360, 360}) == 122880);
    CHECK(total({45, 45, 45, 45}) / two_drp == Approx(23.4).margin(0.05));
    CHECK(total({360, 360, 360, 360}) / two_drp == Approx(2.9).margin(0.05));
}

TEST_CASE("2DRP over a window the intervals do not divide: the scheduler's staggered rule", "[refresh][2drp]") {
    // W = 10 ms. Exact rule: floor(16 x W / interval) bursts of 32 rows, per group:
    //   HST-high floor(160000 / 360) = 444 -> 14208 rows (512 x floor(10 / 0.36) = 13824: the
    //   staggered bursts of the 28th round that fall before W count too);
    //   HST-low floor(160000 / 5400) = 29 -> 928; LST-high floor(160000 / 1440) = 111 -> 3552;
    //   LST-low floor(160000 / 7200) = 22 -> 704.
    const EdramBankMap map = paper_store();
    CHECK(rows_refreshed(map, 10e6) == std::vector<std::uint64_t>{444 * 32, 29 * 32, 111 * 32, 22 * 32});
}

TEST_CASE("each controller refreshes only its own banks, one timer per importance class", "[refresh][2drp]") {
    // In 0.72 ms: the high controller's HST timer fires 16 x 0.72 / 0.36 = 32 times, its LST timer
    // 16 x 0.72 / 1.44 = 8 times; the low controller's timers 16 x 0.72 / 5.4 = 2.13 -> 2 and
    // 16 x 0.72 / 7.2 = 1.6 -> 1 times. The MSB groups only in banks 0-7 and 16-23.
    const EdramBankMap map = paper_store();
    TwoControllerRefresh refresh(RefreshImpl::tlm, "refresh_scheduler", map, kPaperIntervalsUs);
    std::vector<RefreshBurst> due;
    refresh.pop_due(720e3, due);
    std::map<int, int> bursts;
    for (const RefreshBurst& burst : due) {
        ++bursts[burst.group];
        const bool high_bank = burst.bank < 8 || (burst.bank >= 16 && burst.bank < 24);
        CHECK(high_bank == (map.controller_of(burst.group) == RefreshController::high));
    }
    CHECK(bursts == std::map<int, int>{{0, 32}, {1, 2}, {2, 8}, {3, 1}});
    for (std::size_t i = 1; i < due.size(); ++i) CHECK(due[i - 1].due_ns <= due[i].due_ns);
}
