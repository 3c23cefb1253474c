// The evictor's start-up corner cases (cosim/evictor_lanes.h): the C++ rule gives the victims
// derived by hand in evictor_lanes.cpp, and the platform's verilated block (32 rows, 64-bit
// registers) agrees with it victim for victim and register for register.
#include <catch2/catch.hpp>
#include <algorithm>
#include <limits>

#include "cosim/evictor_lanes.h"
#include "rtl_evictor/rtl_evictor.h"

using namespace kelle;

namespace {
constexpr int kRows = RtlEvictor::kRows;
constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
}  // namespace

TEST_CASE("the corner cases' victims, by hand", "[cosim][evictor]") {
    // reset: 0; ties: 0; saturation: 0; window: 2 x 32 - 16 - 1 = 47; rows below: 32 + 8 = 40;
    // sinks: 20; partial wave: 2 x 32 + 6 - 1 = 69; no candidate: none.
    const std::vector<std::size_t> expected{0, 0, 0, 47, 40, 20, 69, kNone};
    const std::vector<LaneSearch> cases = directed_corner_cases(kRows, 64);
    REQUIRE(cases.size() == expected.size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
        INFO(cases[i].name);
        const LaneResult r = reference_search(cases[i], 64);
        CHECK(r.found == (expected[i] != kNone));
        if (r.found) CHECK(r.index == expected[i]);
    }
    // Saturation by hand: (2^64 - 2) + 5 stays at 2^64 - 1; 7 + 1 = 8 in every tie register.
    CHECK(reference_search(cases[2], 64).written[5] == std::numeric_limits<std::uint64_t>::max());
    CHECK(reference_search(cases[1], 64).written[0] == 8);
    // At 4 bits, the paper's width: 14 + 5 saturates at 15.
    LaneSearch four{"4-bit", {14, 3}, {5, 0}, 0, 0};
    const LaneResult r4 = reference_search(four, 4);
    CHECK(r4.written == std::vector<std::uint64_t>{15, 3});
    CHECK(r4.index == 1);
}

TEST_CASE("the platform's RTL evictors, 64-bit and 4-bit, answer every corner case as the C++ rule does", "[cosim][evictor]") {
    for (const int bits : {RtlEvictor::kExactBits, RtlEvictor::kPaperBits}) {
        RtlEvictor rtl(bits);
        for (const LaneSearch& corner : directed_corner_cases(kRows, bits)) {
            INFO(bits << "-bit " << corner.name);
            const LaneResult want = reference_search(corner, bits);
            const LaneResult got = rtl.search_lanes(corner);
            CHECK(got.found == want.found);
            if (want.found) CHECK(got.index == want.index);
            CHECK(got.written == want.written);
        }
    }
}

TEST_CASE("the 4-bit RTL evictor packs eight rows to a word: each row's lane is its own", "[cosim][evictor]") {
    // 40 tokens, two waves: token i has register i mod 16 and logit 1, so each writes back
    // (i mod 16) + 1, saturated at 15 for i mod 16 = 15; the victim is 0's register 1, the oldest
    // of the three tokens (0, 16, 32) at 1 -> index 0 with no sinks; with 1 sink, 16.
    LaneSearch search{"packing", {}, {}, 0, 0};
    for (std::uint64_t i = 0; i < 40; ++i) {
        search.scores.push_back(i % 16);
        search.logits.push_back(1);
    }
    RtlEvictor rtl(RtlEvictor::kPaperBits);
    LaneResult got = rtl.search_lanes(search);
    REQUIRE(got.written.size() == 40);
    for (std::uint64_t i = 0; i < 40; ++i) CHECK(got.written[i] == std::min<std::uint64_t>(i % 16 + 1, 15));
    CHECK(got.index == 0);
    search.sinks = 1;
    CHECK(rtl.search_lanes(search).index == 16);
}
