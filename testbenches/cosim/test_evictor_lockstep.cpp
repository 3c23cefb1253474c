// The lockstep bench of the systolic evictor: the verilated block and the TLM eviction unit
// (least_important_scan, the h2o/aep/aerp policies' search) asked for the same victims over the
// importance a real trace gives, built up step by step as the KV cache builds it.
//
// The victim's cycle: the block registers it at edge ceil(N / ROWS) + ROWS - 1 of an N-token
// search (rtl/systolic_evictor.sv); the TLM model charges eviction_search_cycles(N) =
// ceil(N / eviction_lanes) cycles (pe_timing.h), its throughput with the column's fill left out
// as every pipeline fill is there. With eviction_lanes = ROWS (the default, 32) the two differ by
// exactly the fill, ROWS - 1 cycles: the bench checks that relation on every search.
#include <catch2/catch.hpp>

#include "cosim/evictor_lanes.h"
#include "cosim/lockstep_evictor.h"
#include "cosim/rtl_fault.h"
#include "trace/trace.h"
#include "kvcache/eviction_policy.h"
#include "kvcache/eviction_unit.h"
#include "pe_array/pe_timing.h"
#include "rtl_evictor/rtl_evictor.h"
#include "system/run_tool.h"

using namespace kelle;

namespace {

struct Tally {
    int searches = 0;
    int mismatches = 0;
    int late = 0;
};

// One KV head of layer 0 admitted and scored as the cache does (h2o: budget, recent window),
// each full admission asking both units for the victim.
Tally replay_head(const std::string& trace_path, std::size_t budget, std::size_t recent, int kv_head) {
    TraceReader trace(trace_path);
    const ModelShape& model = trace.header().model;
    const int group = model.heads / model.kv_heads;
    RtlEvictor rtl;
    const PeGeometry geometry{32, 32, 32, static_cast<std::uint64_t>(RtlEvictor::kRows)};
    HeadCache head;
    Tally tally;
    const auto admit = [&](std::uint32_t position) {
        if (head.size() >= budget) {
            std::vector<std::uint64_t> codes;
            for (const KvToken& token : head.tokens()) codes.push_back(order_code(token.relative_importance));
            const RtlEvictor::Search found = rtl.search(codes, 0, recent);
            const std::size_t expected = least_important_scan(head, 0, recent);
            ++tally.searches;
            if (!found.found || found.index != expected) ++tally.mismatches;
            if (found.cycles != eviction_search_cycles(geometry, head.size()) + RtlEvictor::kRows - 1) ++tally.late;
            head.erase(expected);
        }
        head.append(position, 0);
    };
    for (int position = 0; position < trace.header().prompt_tokens; ++position) admit(static_cast<std::uint32_t>(position));
    StepScores step;
    while (trace.next(step)) {
        admit(static_cast<std::uint32_t>(step.context_tokens - 1));
        for (int h = kv_head * group; h < (kv_head + 1) * group; ++h) head.accumulate(step.at(0, h), step.context_tokens);
    }
    return tally;
}

}  // namespace

TEST_CASE("the RTL evictor picks the TLM unit's victims on a generated trace, ROWS - 1 cycles after its throughput",
          "[cosim][evictor]") {
    // Top-k 8 of 96 decode steps leaves many tokens sharing the residual's even share: ties galore.
    const std::string trace = kelle_test::make_trace(
        "evictor_lockstep", "--model llama-3.2-1b --prompt 200 --decode 96 --topk 8 --seed 7");
    for (const int kv_head : {0, 5}) {
        const Tally tally = replay_head(trace, 128, 48, kv_head);
        CHECK(tally.searches == 200 - 128 + 96);  // every admission past the budget evicts once
        CHECK(tally.mismatches == 0);
        CHECK(tally.late == 0);
    }
}

TEST_CASE("order codes order doubles as the TLM compares them", "[cosim][evictor]") {
    CHECK(order_code(0.0) == order_code(-0.0));
    CHECK(order_code(-1.0) < order_code(-0.5));
    CHECK(order_code(-0.5) < order_code(0.0));
    CHECK(order_code(0.0) < order_code(1e-300));
    CHECK(order_code(0.25) < order_code(0.2500000000000001));
}

TEST_CASE("the RTL evictor protects the sinks and the recent window, and takes the oldest of equals", "[cosim][evictor]") {
    // Expected victims derived by hand from the rule: min over [sinks, size - recent), oldest of equals.
    RtlEvictor rtl;
    const auto victim = [&](const std::vector<std::uint64_t>& scores, std::size_t sinks, std::size_t recent) {
        return rtl.search(scores, sinks, recent).index;
    };
    CHECK(victim({5, 4, 3, 2, 1}, 0, 0) == 4);
    CHECK(victim({5, 4, 3, 2, 1}, 0, 2) == 2);  // 2 and 1 are recent
    CHECK(victim({1, 5, 3, 2, 0}, 1, 1) == 3);  // 1 is a sink, 0 recent
    CHECK(victim({7, 3, 9, 3, 3}, 0, 0) == 1);  // three 3s: the oldest
    // 70 tokens, three waves: the minimum in the last wave (row 5), then a tie with the first.
    std::vector<std::uint64_t> scores(70, 50);
    scores[69] = 1;
    CHECK(victim(scores, 0, 0) == 69);
    CHECK(victim(scores, 0, 1) == 0);  // 69 is recent: all others tie at 50, the oldest wins
    scores[3] = 1;
    CHECK(victim(scores, 0, 0) == 3);
    CHECK(rtl.search(scores, 0, 0).cycles == 3 + 31);  // ceil(70 / 32) waves + ROWS - 1
}

namespace {
// A 4-bit unit that answers the start-up corner cases by the block's rule, and in the run's
// searches picks the right victim but writes register `wrong` back one higher.
class OffByOneWriteBack : public EvictionUnit, public LaneSearcher {
public:
    explicit OffByOneWriteBack(std::size_t wrong) : wrong_(wrong) {}
    std::size_t least_important(const HeadCache& head, std::size_t sinks, std::size_t recent) override {
        return least_important_scan(head, sinks, recent);
    }
    LaneResult search_lanes(const LaneSearch& search) override {
        LaneResult result = reference_search(search, 4);
        if (search.name.empty() && wrong_ < result.written.size()) ++result.written[wrong_];
        return result;
    }

private:
    std::size_t wrong_;
};
}  // namespace

TEST_CASE("with 4-bit registers the lockstep compares every written-back register, not only the victim", "[cosim][evictor]") {
    // Four tokens, registers after one step (hand-derived in test_eviction_policy.cpp's first
    // 4-bit case): 1, 8, 1, 4. The unit's victim (index 0, the oldest of the 1s) is right, but
    // it writes register 2 back as 2: the lockstep names that register and both values.
    HeadCache head;
    head.use_registers(ScoreRegisters{4});
    for (std::uint32_t p = 0; p < 4; ++p) head.append(p, p);
    head.begin_step();
    head.accumulate(HeadScores{{{1, 0.5f}, {3, 0.3f}}, 0.2f}, 4);
    LockstepEvictor clean(std::make_unique<OffByOneWriteBack>(99), 4);
    CHECK(clean.least_important(head, 0, 0) == 0);
    LockstepEvictor lockstep(std::make_unique<OffByOneWriteBack>(2), 4);
    try {
        lockstep.least_important(head, 0, 0);
        FAIL("no mismatch raised");
    } catch (const CosimMismatch& mismatch) {
        const std::string line = mismatch.what();
        CHECK(line.find("tlm register 2 of 4 (position 2) 1, rtl register 2 of 4 (position 2) 2") != std::string::npos);
    }
}

TEST_CASE("the evictor coverage counts each corner a search reached, by hand", "[cosim][evictor]") {
    // 4-bit head of 8 tokens, registers set by their prefill value (append):
    //   index  0  1  2  3  4  5  6  7
    //   reg    0 15  3  2  2  9  1  4     sinks 1, recent 2: candidates 1..5
    // victim: least of 15,3,2,2,9 = 2 at 3 (oldest of the two 2s): a tie; 0 (a sink) and 6 (recent)
    // are below it; 15 is saturated; the window starts at 6, so the edge is 5, not the victim.
    HeadCache head;
    head.use_registers(ScoreRegisters{4});
    const std::vector<double> registers{0, 15, 3, 2, 2, 9, 1, 4};
    for (std::uint32_t p = 0; p < registers.size(); ++p) head.append(p, p, registers[p]);
    EvictorCoverage coverage;
    const std::size_t victim = least_important_scan(head, 1, 2);
    REQUIRE(victim == 3);
    coverage.count(head, 1, 2, victim);
    CHECK(coverage.searches == 1);
    CHECK(coverage.ties == 1);
    CHECK(coverage.saturated == 1);
    CHECK(coverage.sink_protected == 1);
    CHECK(coverage.recent_protected == 1);
    CHECK(coverage.victim_at_window_edge == 0);
    // recent 4: candidates 1..3, victim 3 is the window's edge, and no tie is left (4 is recent).
    coverage.count(head, 1, 4, least_important_scan(head, 1, 4));
    CHECK(coverage.victim_at_window_edge == 1);
    CHECK(coverage.ties == 1);
}

TEST_CASE("a run under the evictor lockstep reports its coverage in the stats", "[cosim][system]") {
    // The default trace's searches: 32768 (kv.evictions, one per search), 8 start-up corner cases.
    const nlohmann::json stats = kelle_test::run_stats("coverage", "--set cosim.lockstep=evictor");
    const nlohmann::json& coverage = stats["cosim"]["evictor_coverage"];
    CHECK(coverage["searches"] == stats["kv"]["evictions"]);
    CHECK(coverage["startup_corner_cases"] == 8);
    CHECK(coverage["saturated"] == 0);  // 64-bit exact importances never saturate
    CHECK(kelle_test::run_stats("no_coverage", "").count("cosim") == 0);
}
