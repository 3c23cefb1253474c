// The paper's configuration of the systolic evictor, 4-bit saturating scores, in a 4-row column
// (verilated for this test as Vsystolic_evictor_4bit), driven pin by pin. Every expected value is
// derived by hand from the rule in rtl/systolic_evictor.sv.
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "Vsystolic_evictor_4bit.h"

namespace {

constexpr int kRows = 4;
constexpr int kScoreBits = 4;

struct Result {
    bool found = false;
    unsigned index = 0;
    unsigned score = 0;
    int edges = 0;                   // from the start edge to victim_valid, both counted
    std::vector<unsigned> written;   // each token's score as the block hands it back
};

unsigned lane(unsigned packed, int row) { return (packed >> (row * kScoreBits)) & ((1u << kScoreBits) - 1); }

void clock(Vsystolic_evictor_4bit& rtl) {
    rtl.clk = 0;
    rtl.eval();
    rtl.clk = 1;
    rtl.eval();
}

Result search_4bit(const std::vector<unsigned>& scores, const std::vector<unsigned>& logits, unsigned sinks, unsigned recent) {
    VerilatedContext context;
    Vsystolic_evictor_4bit rtl(&context);
    rtl.rst_n = 0;
    clock(rtl);
    rtl.rst_n = 1;
    rtl.cfg_we = 1;
    rtl.cfg_addr = 0;
    rtl.cfg_wdata = sinks;
    clock(rtl);
    rtl.cfg_addr = 1;
    rtl.cfg_wdata = recent;
    clock(rtl);
    rtl.cfg_we = 0;
    const int tokens = static_cast<int>(scores.size());
    const int waves = (tokens + kRows - 1) / kRows;
    Result result;
    result.written.assign(scores.size(), 0);
    rtl.tokens = static_cast<unsigned>(tokens);
    for (int edge = 0; edge < waves + kRows + 2 && !rtl.victim_valid; ++edge) {
        rtl.start = edge == 0;
        rtl.wave_in = edge < waves;
        unsigned packed_scores = 0, packed_logits = 0;
        for (int r = 0; r < kRows; ++r) {  // row r holds token (edge - r) x ROWS + r: the skewed front
            const int index = (edge - r) * kRows + r;
            if (edge < r || edge - r >= waves || index >= tokens) continue;
            packed_scores |= scores[static_cast<std::size_t>(index)] << (r * kScoreBits);
            packed_logits |= logits[static_cast<std::size_t>(index)] << (r * kScoreBits);
        }
        rtl.row_score = packed_scores;
        rtl.row_logit = packed_logits;
        clock(rtl);
        for (int r = 0; r < kRows; ++r) {
            const int index = (edge - r) * kRows + r;
            if (edge >= r && edge - r < waves && index < tokens)
                result.written[static_cast<std::size_t>(index)] = lane(rtl.row_score_out, r);
        }
        result.edges = edge + 1;
    }
    rtl.final();
    result.found = rtl.victim_found;
    result.index = rtl.victim_index;
    result.score = rtl.victim_score;
    return result;
}

}  // namespace

TEST_CASE("4-bit evictor: scores saturate at 15, the minimum outside sinks and recent is the victim", "[cosim][evictor]") {
    // sums: 15+1 -> 15 (saturated), 3, 9, 3, 14+5 -> 15 (saturated), 2, 7; candidates 1..5 (1 sink, 1 recent)
    const Result r = search_4bit({15, 3, 9, 3, 14, 2, 7}, {1, 0, 0, 0, 5, 0, 0}, 1, 1);
    CHECK(r.written == std::vector<unsigned>{15, 3, 9, 3, 15, 2, 7});
    CHECK(r.found);
    CHECK(r.index == 5);
    CHECK(r.score == 2);
    CHECK(r.edges == 2 + kRows - 1);  // ceil(7 / 4) waves plus the column's fill
}

TEST_CASE("4-bit evictor: of equal scores the oldest is the victim, across rows and waves", "[cosim][evictor]") {
    CHECK(search_4bit({15, 3, 9, 3, 14, 4, 7}, {1, 0, 0, 0, 5, 0, 0}, 1, 1).index == 1);  // 3 at 1 and 3
    CHECK(search_4bit({9, 9, 9, 9, 2, 2, 2, 2, 2}, std::vector<unsigned>(9, 0), 0, 0).index == 4);  // first of wave 1
    // Saturation makes equals: 13+3 and 15+0 both read 15, the older one (0) goes.
    CHECK(search_4bit({13, 15, 15, 15, 15}, {3, 0, 1, 0, 0}, 0, 1).index == 0);
}

TEST_CASE("4-bit evictor: a head with every token protected has no victim", "[cosim][evictor]") {
    CHECK_FALSE(search_4bit({1, 2, 3}, {0, 0, 0}, 2, 1).found);
}
